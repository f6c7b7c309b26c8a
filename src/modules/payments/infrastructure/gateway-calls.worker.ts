import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { PollingWorker } from '../../../platform/worker/polling-worker';
import { CallDueGateway } from '../commands/call-due-gateway.handler';

/** Runs the due charges and refunds of payments; woken after a commit that made one due. */
@Injectable()
export class GatewayCallsWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly worker: PollingWorker;

  constructor(commands: CommandBus) {
    this.worker = new PollingWorker({
      name: 'GatewayCalls',
      round: async () => (await commands.execute(new CallDueGateway())) as number,
      pollMinMs: 50,
      pollMaxMs: 1_000,
    });
  }

  wake(): void {
    this.worker.wake();
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.worker.stop();
  }
}
