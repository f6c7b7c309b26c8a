import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { PaymentCredentialRepository } from '../infrastructure/payment-credential.repository';
import { CardTokenDroppedError } from '../domain/payment';
import { PaymentRepository } from '../infrastructure/payment.repository';

export class DepositPaymentCredential {
  constructor(readonly credential: { orderId: string; paymentToken: string }) {}
}

/** Orders hands over the card token of an order; a repeat, or one for a decided payment, keeps nothing new. */
@CommandHandler(DepositPaymentCredential)
export class DepositPaymentCredentialHandler implements ICommandHandler<DepositPaymentCredential> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly credentials: PaymentCredentialRepository,
  ) {}

  execute({ credential: { orderId, paymentToken } }: DepositPaymentCredential): Promise<void> {
    // A v1 OrderPlaced retried from a dead-letter table: its token was dropped when it was parked.
    if (!paymentToken) return Promise.reject(new CardTokenDroppedError(orderId));
    return this.tx.run(async (m) => {
      // The payment row, when there is one, is locked: a void committing beside us sees our token and drops it.
      const payment = await this.payments.lockByOrder(m, orderId);
      if (payment && !payment.open) return;
      await this.credentials.deposit(m, orderId, paymentToken);
    });
  }
}
