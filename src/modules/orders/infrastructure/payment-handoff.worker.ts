import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { GroupWriter } from '../../../platform/group-writer';
import { CommandWorker } from '../../../platform/worker/command-worker';
import { HANDOVER_BATCH, HandOverPaymentCredentials } from '../commands/hand-over-payment-credentials.handler';
import { PaymentHandoff } from './payment-handoff.repository';

/**
 * Hands card tokens to payments. A placed order's token, recorded claimed, is handed over right
 * after its commit (`handOver`): one request at a time, the tokens placed meanwhile together in the
 * next. The polling rounds take the rest: tokens postponed (payments away) or left claimed by a
 * process that died (once the claim runs out).
 */
@Injectable()
export class PaymentHandoffWorker extends CommandWorker {
  private readonly placed: GroupWriter<PaymentHandoff>;

  constructor(commands: CommandBus) {
    super(commands, 'PaymentHandoff', () => new HandOverPaymentCredentials());
    this.placed = new GroupWriter<PaymentHandoff>(
      async (handoffs) => void (await commands.execute(new HandOverPaymentCredentials(HANDOVER_BATCH, handoffs))),
      (error, count) => new Logger('PaymentHandoff').warn(`${count} card tokens not handed over (${(error as Error).message}); a round takes them when their claim runs out`),
      10_000,
      0,
      HANDOVER_BATCH,
    );
  }

  /** A token its order's committed transaction recorded claimed. */
  handOver(handoff: PaymentHandoff): void {
    void this.placed.add(handoff);
  }

  override async beforeApplicationShutdown(): Promise<void> {
    await this.placed.idle();
    await super.beforeApplicationShutdown();
  }
}
