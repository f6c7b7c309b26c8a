import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { GroupWriter } from '../../../platform/group-writer';
import { CommandWorker } from '../../../platform/worker/command-worker';
import { HANDOVER_BATCH, HandOverPaymentCredentials } from '../commands/hand-over-payment-credentials.handler';
import { PaymentHandoff, PaymentHandoffRepository } from './payment-handoff.repository';

/**
 * Hands card tokens to payments. A placed order's token, recorded claimed, is handed over right
 * after its commit (`handOver`): one request at a time, the tokens placed meanwhile together in the
 * next. The polling rounds take the rest: tokens postponed (payments away) or left claimed by a
 * process that died (once the claim runs out).
 *
 * A stopping process finishes the request in flight and releases the tokens still waiting (and
 * those of orders placed while it stops): a queue of groups, each up to two request timeouts while
 * payments does not answer, would hold the stop past any grace period.
 */
@Injectable()
export class PaymentHandoffWorker extends CommandWorker {
  private readonly placed: GroupWriter<PaymentHandoff>;
  private stopping = false;

  constructor(
    commands: CommandBus,
    private readonly tx: TransactionRunner,
    private readonly handoffs: PaymentHandoffRepository,
  ) {
    super(commands, 'PaymentHandoff', () => new HandOverPaymentCredentials());
    this.placed = new GroupWriter<PaymentHandoff>(
      async (group) => void (await commands.execute(new HandOverPaymentCredentials(HANDOVER_BATCH, group))),
      (error, count) => this.logger.warn(`${count} card tokens not handed over (${(error as Error).message}); a round takes them when their claim runs out`),
      10_000,
      0,
      HANDOVER_BATCH,
    );
  }

  /** A token its order's committed transaction recorded claimed. */
  handOver(handoff: PaymentHandoff): void {
    if (this.stopping) this.release([handoff]);
    else void this.placed.add(handoff);
  }

  override async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.release(this.placed.takeWaiting());
    await this.placed.idle();
    // Waits for the releases too (tracked), those of orders placed meanwhile included.
    await super.beforeApplicationShutdown();
  }

  private release(handoffs: PaymentHandoff[]): void {
    if (handoffs.length === 0) return;
    const ids = handoffs.map((h) => h.orderId);
    this.track(
      this.tx
        .single((m) => this.handoffs.release(m, ids))
        .catch((error: Error) => this.logger.warn(`${ids.length} card tokens left claimed (${error.message}); a round takes them when their claim runs out`)),
    );
  }
}
