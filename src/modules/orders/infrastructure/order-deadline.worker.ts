import { Inject, Injectable, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { PollingWorker } from '../../../platform/worker/polling-worker';
import { CancelOverdueOrders } from '../commands/cancel-overdue-orders.handler';

/** Runs the saga's deadline in every orders process: no order stays PENDING past ORDER_TIMEOUT_MS. */
@Injectable()
export class OrderDeadlineWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly worker: PollingWorker;

  constructor(commands: CommandBus, @Inject(APP_CONFIG) config: AppConfig) {
    const timeoutMs = config.orderTimeoutMs;
    this.worker = new PollingWorker({
      name: 'OrderDeadline',
      round: async () => ((await commands.execute(new CancelOverdueOrders(timeoutMs))) as number),
      // A deadline is checked often enough to be late by a tenth of itself at most (and at most 5 s).
      pollMinMs: Math.min(5_000, Math.max(100, timeoutMs / 10)),
      pollMaxMs: Math.min(5_000, Math.max(100, timeoutMs / 10)),
    });
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.worker.stop();
  }
}
