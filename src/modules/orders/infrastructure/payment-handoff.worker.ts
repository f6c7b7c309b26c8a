import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CommandWorker } from '../../../platform/worker/command-worker';
import { HandOverPaymentCredentials } from '../commands/hand-over-payment-credentials.handler';

/** Hands card tokens to payments; woken after the commit that placed the order. */
@Injectable()
export class PaymentHandoffWorker extends CommandWorker {
  constructor(commands: CommandBus) {
    super(commands, 'PaymentHandoff', () => new HandOverPaymentCredentials());
  }
}
