import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { IntentNotRecordedYetError, isOpen } from '../domain/payment';
import { PaymentRepository } from '../infrastructure/payment.repository';

export class VoidPaymentIntent {
  constructor(readonly orderId: string) {}
}

@CommandHandler(VoidPaymentIntent)
export class VoidPaymentIntentHandler implements ICommandHandler<VoidPaymentIntent> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
  ) {}

  execute({ orderId }: VoidPaymentIntent): Promise<void> {
    return this.tx.run(async (m) => {
      const payment = await this.payments.lockByOrder(m, orderId);
      if (!payment) throw new IntentNotRecordedYetError(orderId);
      if (isOpen(payment)) await this.payments.settle(m, payment.id, 'VOIDED');
    });
  }
}
