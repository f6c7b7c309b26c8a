import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { Clock } from '../../../platform/clock';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Payment } from '../domain/payment';
import { PaymentRepository } from '../infrastructure/payment.repository';

export class RecordPaymentIntent {
  constructor(readonly intent: { orderId: string; amountCents: number }) {}
}

@CommandHandler(RecordPaymentIntent)
export class RecordPaymentIntentHandler implements ICommandHandler<RecordPaymentIntent> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly clock: Clock,
  ) {}

  execute({ intent }: RecordPaymentIntent): Promise<void> {
    return this.tx.run((m) => this.payments.recordIntent(m, Payment.intent({ id: uuidv7(), ...intent }, this.clock.now())));
  }
}
