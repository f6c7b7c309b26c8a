import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DEPOSIT_PAYMENT_CREDENTIAL, DepositPaymentCredential } from '../../../contracts/payments/deposit-payment-credential.request';
import { DEPOSIT_PAYMENT_CREDENTIALS, DepositPaymentCredentials } from '../../../contracts/payments/deposit-payment-credentials.request';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { DirectChannel, RequestRefusedError } from '../../../platform/messaging/direct/direct-channel';
import { PaymentHandoff, PaymentHandoffRepository } from '../infrastructure/payment-handoff.repository';

/** Tokens one request carries at most. */
export const HANDOVER_BATCH = 32;

/** Hands up to `limit` card tokens to payments, or the given ones (claimed when recorded); returns how many it handled. */
export class HandOverPaymentCredentials {
  constructor(
    readonly limit = HANDOVER_BATCH,
    readonly claimed?: PaymentHandoff[],
  ) {}
}

/** Longer than two requests' timeouts (the batch, then each alone): a process that died mid-send is taken over after this. */
export const CLAIM_MS = 15_000;

/**
 * Card tokens go to payments point to point, never through a stream. A token stays here until
 * payments answers that it has it; while payments is away the request is sent again later (200 ms
 * doubling, at most 30 s), for as long as the order is PENDING.
 *
 * The tokens claimed together go in one request, and are deleted in one statement: a request and
 * two transactions per order cost more than the order's own transaction. A batch that fails in any
 * way (payments away, an older payments that serves one token at a time, a refused token) is sent
 * again one token at a time, so that one token never holds the others back.
 */
@CommandHandler(HandOverPaymentCredentials)
export class HandOverPaymentCredentialsHandler implements ICommandHandler<HandOverPaymentCredentials, number> {
  private readonly logger = new Logger('PaymentHandoff');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly handoffs: PaymentHandoffRepository,
    private readonly channel: DirectChannel,
  ) {}

  async execute({ limit, claimed }: HandOverPaymentCredentials): Promise<number> {
    const due = claimed ?? (await this.tx.single((m) => this.handoffs.claimDue(m, limit, CLAIM_MS)));
    if (due.length > 1 && (await this.handOverTogether(due))) return due.length;
    await Promise.all(due.map((handoff) => this.handOver(handoff)));
    return due.length;
  }

  private async handOverTogether(due: PaymentHandoff[]): Promise<boolean> {
    const credentials = due.map(({ orderId, paymentToken }) => ({ orderId, paymentToken }));
    try {
      await this.channel.send(DEPOSIT_PAYMENT_CREDENTIALS, { credentials } satisfies DepositPaymentCredentials);
    } catch {
      return false;
    }
    await this.tx.single((m) => this.handoffs.deleteAll(m, due.map((h) => h.orderId)));
    return true;
  }

  private async handOver({ orderId, paymentToken }: PaymentHandoff): Promise<void> {
    try {
      await this.channel.send(DEPOSIT_PAYMENT_CREDENTIAL, { orderId, paymentToken } satisfies DepositPaymentCredential);
      await this.tx.single((m) => this.handoffs.delete(m, orderId));
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof RequestRefusedError) {
        // Payments will never take it as it is; the order's deadline cancels it.
        this.logger.error(`payments refused the card token of order ${orderId}: ${message}`);
        await this.tx.single((m) => this.handoffs.delete(m, orderId)).catch(() => undefined);
        return;
      }
      this.logger.warn(`card token of order ${orderId} not handed over (${message}); it will be sent again`);
      await this.tx.single((m) => this.handoffs.postpone(m, orderId, message)).catch(() => undefined);
    }
  }
}
