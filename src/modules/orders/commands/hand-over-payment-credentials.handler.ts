import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DEPOSIT_PAYMENT_CREDENTIAL, DepositPaymentCredential } from '../../../contracts/payments/deposit-payment-credential.request';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { DirectChannel, RequestRefusedError } from '../../../platform/messaging/direct/direct-channel';
import { PaymentHandoff, PaymentHandoffRepository } from '../infrastructure/payment-handoff.repository';

/** Hands up to `limit` card tokens to payments; returns how many it claimed. */
export class HandOverPaymentCredentials {
  constructor(readonly limit = 32) {}
}

/** Longer than one request's timeout: a worker that died mid-send is taken over after this. */
const CLAIM_MS = 15_000;

/**
 * Card tokens go to payments point to point, never through a stream. A token stays here until
 * payments answers that it has it; while payments is away the request is sent again later (200 ms
 * doubling, at most 30 s), for as long as the order is PENDING.
 */
@CommandHandler(HandOverPaymentCredentials)
export class HandOverPaymentCredentialsHandler implements ICommandHandler<HandOverPaymentCredentials, number> {
  private readonly logger = new Logger('PaymentHandoff');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly handoffs: PaymentHandoffRepository,
    private readonly channel: DirectChannel,
  ) {}

  async execute({ limit }: HandOverPaymentCredentials): Promise<number> {
    const due = await this.tx.single((m) => this.handoffs.claimDue(m, limit, CLAIM_MS));
    await Promise.all(due.map((handoff) => this.handOver(handoff)));
    return due.length;
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
