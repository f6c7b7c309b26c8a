import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { Clock } from '../../../platform/clock';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Payment } from '../domain/payment';
import { GatewayCallsWorker } from '../infrastructure/gateway-calls.worker';
import { PaymentRepository } from '../infrastructure/payment.repository';

export class CancelPayment {
  constructor(readonly orderId: string) {}
}

/**
 * The order will not be confirmed (out of stock, or cancelled by the saga's deadline): void the
 * intent, or refund a capture. Arriving before the intent, it leaves a voided payment behind so
 * that nothing is charged later.
 */
@CommandHandler(CancelPayment)
export class CancelPaymentHandler implements ICommandHandler<CancelPayment> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly worker: GatewayCallsWorker,
    private readonly clock: Clock,
  ) {}

  execute({ orderId }: CancelPayment): Promise<void> {
    return this.tx.run(async (m) => {
      let payment = await this.payments.lockByOrder(m, orderId);
      if (!payment) {
        if (await this.payments.insert(m, Payment.voidedBeforeIntent({ id: uuidv7(), orderId }, this.clock.now()))) return;
        // The intent committed in the meantime: cancel it.
        payment = (await this.payments.lockByOrder(m, orderId))!;
      }
      if (!payment.cancel()) return;
      await this.payments.save(m, payment);
      if (payment.due) this.tx.afterCommit(() => this.worker.wake());
    });
  }
}
