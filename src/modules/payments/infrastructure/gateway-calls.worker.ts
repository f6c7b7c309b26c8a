import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CommandWorker } from '../../../platform/worker/command-worker';
import { CallDueGateway } from '../commands/call-due-gateway.handler';

/** Runs the due charges and refunds of payments; woken after a commit that made one due. */
@Injectable()
export class GatewayCallsWorker extends CommandWorker {
  constructor(commands: CommandBus) {
    // Claims skip locked rows: with four lanes a new charge never queues behind a slow round.
    super(commands, 'GatewayCalls', () => new CallDueGateway(), { lanes: 4 });
  }
}
