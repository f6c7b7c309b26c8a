import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { PaymentCredentialRepository } from '../infrastructure/payment-credential.repository';
import { CardTokenDroppedError } from '../domain/payment';
import { PaymentRepository } from '../infrastructure/payment.repository';

interface Credential {
  orderId: string;
  paymentToken: string;
}

export class DepositPaymentCredential {
  constructor(readonly credential: Credential) {}
}

/** The tokens of several orders at once (the hand-over worker's batch): one transaction for all. */
export class DepositPaymentCredentials {
  constructor(readonly credentials: readonly Credential[]) {}
}

@CommandHandler(DepositPaymentCredentials)
export class DepositPaymentCredentialsHandler implements ICommandHandler<DepositPaymentCredentials> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly credentials: PaymentCredentialRepository,
  ) {}

  execute({ credentials }: DepositPaymentCredentials): Promise<void> {
    return this.tx.run(async (m) => {
      // Their payment rows, where there are some, are locked: a void committing beside us sees our token and drops it.
      const locked = await this.payments.lockByOrders(m, credentials.map((c) => c.orderId));
      const decided = new Set(locked.filter((p) => !p.open).map((p) => p.snapshot.orderId));
      const kept = credentials.filter((c) => !decided.has(c.orderId));
      if (kept.length > 0) await this.credentials.deposit(m, kept);
    });
  }
}

/** Orders hands over the card token of an order; a repeat, or one for a decided payment, keeps nothing new. */
@CommandHandler(DepositPaymentCredential)
export class DepositPaymentCredentialHandler implements ICommandHandler<DepositPaymentCredential> {
  constructor(private readonly deposits: DepositPaymentCredentialsHandler) {}

  execute({ credential }: DepositPaymentCredential): Promise<void> {
    // A v1 OrderPlaced retried from a dead-letter table: its token was dropped when it was parked.
    if (!credential.paymentToken) return Promise.reject(new CardTokenDroppedError(credential.orderId));
    return this.deposits.execute(new DepositPaymentCredentials([credential]));
  }
}
