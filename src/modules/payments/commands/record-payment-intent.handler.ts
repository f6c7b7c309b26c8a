import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { PaymentRepository } from '../infrastructure/payment.repository';

export class RecordPaymentIntent {
  constructor(readonly intent: { orderId: string; amountCents: number; paymentToken: string }) {}
}

@CommandHandler(RecordPaymentIntent)
export class RecordPaymentIntentHandler implements ICommandHandler<RecordPaymentIntent> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
  ) {}

  execute({ intent }: RecordPaymentIntent): Promise<void> {
    return this.tx.run((m) => this.payments.insertIntent(m, { id: uuidv7(), ...intent }));
  }
}
