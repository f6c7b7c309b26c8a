import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Logger } from '@nestjs/common';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { withContinuedSpan } from '../../../platform/observability/tracing/messaging-spans';
import { messageContext } from '../../../platform/messaging/message-context';
import { Outbox } from '../../../platform/outbox/outbox';
import { Payment } from '../domain/payment';
import { ChargeResult, PaymentGateway } from '../domain/payment-gateway.port';
import { paymentEvents } from '../infrastructure/payment-events';
import { PaymentCredentialRepository } from '../infrastructure/payment-credential.repository';
import { PaymentRepository } from '../infrastructure/payment.repository';

/** Runs up to `limit` due gateway calls, or the given one (claimed when saved, card token at hand); returns how many it ran. */
export class CallDueGateway {
  constructor(
    readonly limit = 8,
    readonly claimed?: { payment: Payment; token?: string },
  ) {}
}

/** Longer than any gateway call: a worker that died mid-call is taken over after this. */
export const CLAIM_MS = 30_000;
/** Card tokens a race left behind are dropped this often; one whose order never came, after a day. */
const PURGE_EVERY_MS = 60_000;
const ORPHAN_TOKEN_MS = 24 * 3600 * 1000;

/**
 * Record, call, settle: the call runs outside any transaction (no row lock held while the
 * gateway thinks), with an idempotency key per order and kind, so a repeat after a crash or a
 * takeover gets the gateway's first answer. A gateway that does not answer is asked again later,
 * for as long as it takes: only its answer decides a payment.
 */
@CommandHandler(CallDueGateway)
export class CallDueGatewayHandler implements ICommandHandler<CallDueGateway, number> {
  private readonly logger = new Logger('GatewayCalls');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: Outbox,
    private readonly payments: PaymentRepository,
    private readonly credentials: PaymentCredentialRepository,
    private readonly gateway: PaymentGateway,
  ) {}

  private purgedAt = 0;

  async execute({ limit, claimed }: CallDueGateway): Promise<number> {
    if (claimed) {
      const { payment, token } = claimed;
      // In the trace of the change that made the call due, as a round's call would be.
      await withContinuedSpan(`payments ${payment.due}`, messageContext.traceparent(), { 'shop.order.id': payment.snapshot.orderId }, () => this.call(payment, token));
      return 1;
    }
    if (Date.now() - this.purgedAt > PURGE_EVERY_MS) {
      this.purgedAt = Date.now();
      await this.tx.single((m) => this.credentials.purgeStale(m, ORPHAN_TOKEN_MS));
    }
    const due = await this.tx.single((m) => this.payments.claimDue(m, limit, CLAIM_MS));
    await Promise.all(
      due.map(({ payment, traceparent }) =>
        withContinuedSpan(`payments ${payment.due}`, traceparent, { 'shop.order.id': payment.snapshot.orderId }, () => this.call(payment)),
      ),
    );
    return due.length;
  }

  private async call(claimed: Payment, tokenAtHand?: string): Promise<void> {
    const { id, orderId, amountCents, chargeId } = claimed.snapshot;
    const kind = claimed.due;
    try {
      if (kind === 'charge') {
        // CHARGING is only entered with the token at hand, and keeps it until decided.
        const token = tokenAtHand ?? (await this.tx.single((m) => this.credentials.tokenOf(m, orderId)));
        if (!token) throw new Error(`no card token for order ${orderId}`);
        const result = await this.gateway.charge({ idempotencyKey: orderId, amountCents, token });
        await this.settle(id, (p) => p.settleCharge(result as ChargeResult));
      } else if (kind === 'refund') {
        await this.gateway.refund({ idempotencyKey: `refund:${orderId}`, chargeId: chargeId!, amountCents });
        await this.settle(id, (p) => p.settleRefund());
      }
    } catch (error) {
      const message = (error as Error).message;
      this.logger.warn(`${kind} of order ${orderId} failed (${message}); it will be asked again`);
      // If even this fails (database away), the claim runs out and a later round takes the payment.
      await this.tx.single((m) => this.payments.postpone(m, id, message)).catch(() => undefined);
    }
  }

  private settle(id: string, apply: (payment: Payment) => boolean): Promise<void> {
    return this.tx.run(async (m) => {
      const payment = await this.payments.lock(m, id);
      if (!payment || !apply(payment)) return;
      await this.payments.save(m, payment);
      await this.outbox.append(m, paymentEvents(payment));
    });
  }
}
