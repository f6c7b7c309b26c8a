import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { Clock } from '../../../platform/clock';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Payment } from '../domain/payment';
import { PaymentCredentialRepository } from '../infrastructure/payment-credential.repository';
import { PaymentRepository } from '../infrastructure/payment.repository';

export class RecordPaymentIntent {
  constructor(
    readonly intent: { orderId: string; amountCents: number },
    /** OrderPlaced v1 carried the card token in the event; v2 leaves it to the hand-over. */
    readonly legacyPaymentToken?: string,
  ) {}
}

@CommandHandler(RecordPaymentIntent)
export class RecordPaymentIntentHandler implements ICommandHandler<RecordPaymentIntent> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly credentials: PaymentCredentialRepository,
    private readonly clock: Clock,
  ) {}

  execute({ intent, legacyPaymentToken }: RecordPaymentIntent): Promise<void> {
    return this.tx.run(async (m) => {
      const inserted = await this.payments.insert(m, Payment.intent({ id: uuidv7(), ...intent }, this.clock.now()));
      if (!inserted) await this.payments.fillVoidedAmount(m, intent.orderId, intent.amountCents);
      if (legacyPaymentToken) await this.credentials.deposit(m, intent.orderId, legacyPaymentToken);
    });
  }
}
