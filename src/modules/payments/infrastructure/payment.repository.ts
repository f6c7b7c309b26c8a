import { Sql } from '../../../platform/database/sql';
import { Injectable } from '@nestjs/common';
import { claimDueWork, DueWorkTable, postponeDueWork } from '../../../platform/database/due-work';
import { sql } from '../../../platform/database/sql';
import { messageContext } from '../../../platform/messaging/message-context';
import { Payment, PaymentState } from '../domain/payment';
import { PaymentCredentialRepository } from './payment-credential.repository';

const COLUMNS = `id, order_id AS "orderId", amount_cents AS "amountCents", status, decline_reason AS "declineReason", charge_id AS "chargeId", cancel_requested AS "cancelRequested",
  version, created_at AS "createdAt"`;

const LOCK_BY_ORDER = `SELECT ${COLUMNS} FROM payments.payments WHERE order_id = $1 FOR UPDATE`;

/** Payments whose gateway call (charge or refund) is recorded and due. */
const GATEWAY_CALLS: DueWorkTable = { table: 'payments.payments', due: `status IN ('CHARGING', 'REFUNDING')`, returning: `${COLUMNS}, traceparent` };

/** A claimed gateway call, with the trace of the change that made it due. */
export interface DueCall {
  payment: Payment;
  traceparent?: string;
}

/** Amounts are bigint columns (pg returns them as text); every amount the API accepts is a safe integer. */
function toState(row: Record<string, unknown>): PaymentState {
  const amountCents = Number(row.amountCents);
  if (!Number.isSafeInteger(amountCents)) throw new Error(`payment ${String(row.id)}: amount ${String(row.amountCents)} is not a safe integer`);
  return { ...(row as unknown as PaymentState), amountCents };
}

@Injectable()
export class PaymentRepository {
  constructor(private readonly credentials: PaymentCredentialRepository) {}

  /** False when the order has a payment already (a repeat, or a void that came first). */
  async insert(m: Sql, payment: Payment): Promise<boolean> {
    const s = payment.snapshot;
    const rows = await sql.rows(
      m,
      `INSERT INTO payments.payments (id, order_id, amount_cents, status, version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING RETURNING id`,
      [s.id, s.orderId, s.amountCents, s.status, s.version, s.createdAt],
    );
    if (rows.length === 1 && !payment.open) await this.credentials.forget(m, s.orderId);
    return rows.length === 1;
  }

  /**
   * An order's payment intent, unless the order has a payment already (a repeat, or a void that
   * came first: a void before the intent keeps no amount, and the late intent fills it in for the
   * record). Last writes, with the COMMIT: the fill finds nothing to fill when the intent went in.
   */
  async recordIntent(m: Sql, intent: Payment): Promise<void> {
    const s = intent.snapshot;
    await sql.later(
      m,
      `INSERT INTO payments.payments (id, order_id, amount_cents, status, version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING`,
      [s.id, s.orderId, s.amountCents, s.status, s.version, s.createdAt],
    );
    await sql.later(m, `UPDATE payments.payments SET amount_cents = $2 WHERE order_id = $1 AND status = 'VOIDED' AND amount_cents = 0`, [
      s.orderId,
      s.amountCents,
    ]);
  }

  async lockByOrder(m: Sql, orderId: string): Promise<Payment | null> {
    const rows = await sql.rows(m, LOCK_BY_ORDER, [orderId]);
    return rows[0] ? Payment.restore(toState(rows[0])) : null;
  }

  /** The order's payment locked (lockByOrder) and its card token if payments has it, in one round trip. */
  async lockByOrderWithToken(m: Sql, orderId: string): Promise<{ payment: Payment | null; token?: string }> {
    const [payment, credential] = await sql.batch(m, [
      [LOCK_BY_ORDER, [orderId]],
      this.credentials.tokenQuery(orderId),
    ]);
    return { payment: payment.rows[0] ? Payment.restore(toState(payment.rows[0])) : null, token: credential.rows[0]?.token as string | undefined };
  }

  /** In order_id order: two batches locking the same rows take them in the same order, and never deadlock. */
  async lockByOrders(m: Sql, orderIds: readonly string[]): Promise<Payment[]> {
    const rows = await sql.rows(m, `SELECT ${COLUMNS} FROM payments.payments WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE`, [orderIds]);
    return rows.map((row) => Payment.restore(toState(row)));
  }

  async lock(m: Sql, id: string): Promise<Payment | null> {
    const rows = await sql.rows(m, `SELECT ${COLUMNS} FROM payments.payments WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? Payment.restore(toState(rows[0])) : null;
  }

  /**
   * Saves a transition; a due gateway call is due now, in the trace of this change, and unclaimed
   * unless `claimMs` says that the saving process calls the gateway itself (CallDueGateway with it).
   */
  async save(m: Sql, payment: Payment, claimMs?: number): Promise<void> {
    const s = payment.snapshot;
    await sql.later(
      m,
      `UPDATE payments.payments
       SET status = $2, decline_reason = $3, charge_id = $4, cancel_requested = $5, version = $6, updated_at = now(),
           claimed_until = now() + $8::int * interval '1 millisecond', next_attempt_at = now(), attempts = 0, last_error = NULL, traceparent = $7
       WHERE id = $1`,
      [s.id, s.status, s.declineReason, s.chargeId, s.cancelRequested, s.version, messageContext.traceparent() ?? null, claimMs ?? null],
    );
    // Decided: no charge will need the card token again (a refund goes by the charge id).
    if (!payment.open) await this.credentials.forget(m, s.orderId);
  }

  /** Claims payments whose gateway call is due, for `leaseMs`: another worker takes them over after that. */
  async claimDue(m: Sql, limit: number, leaseMs: number): Promise<DueCall[]> {
    const rows = await claimDueWork<Record<string, unknown>>(m, GATEWAY_CALLS, limit, leaseMs);
    return rows.map(({ traceparent, ...row }) => ({ payment: Payment.restore(toState(row)), traceparent: (traceparent as string | null) ?? undefined }));
  }

  /** The gateway did not answer: try again later. */
  postpone(m: Sql, id: string, error: string): Promise<void> {
    return postponeDueWork(m, GATEWAY_CALLS, id, error);
  }

  /** Decided payments only: a pending intent or a charge in flight is not a payment yet. */
  async listDecided(m: Sql, orderId: string): Promise<PaymentState[]> {
    const rows = await sql.rows(
      m,
      `SELECT ${COLUMNS} FROM payments.payments WHERE order_id = $1 AND status NOT IN ('PENDING', 'CHARGING') ORDER BY created_at`,
      [orderId],
    );
    return rows.map(toState);
  }
}
