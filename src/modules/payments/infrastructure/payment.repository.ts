import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Payment, PaymentStatus } from '../domain/payment';

const COLUMNS = `id, order_id AS "orderId", amount_cents::float8 AS "amountCents", payment_token AS "paymentToken",
  status, decline_reason AS "declineReason", created_at AS "createdAt"`;

@Injectable()
export class PaymentRepository {
  async insertIntent(m: EntityManager, p: { id: string; orderId: string; amountCents: number; paymentToken: string }): Promise<void> {
    await m.query(
      `INSERT INTO payments.payments (id, order_id, amount_cents, payment_token, status) VALUES ($1, $2, $3, $4, 'PENDING')
       ON CONFLICT (order_id) DO NOTHING`,
      [p.id, p.orderId, p.amountCents, p.paymentToken],
    );
  }

  async lockByOrder(m: EntityManager, orderId: string): Promise<Payment | null> {
    const rows = await m.query(`SELECT ${COLUMNS} FROM payments.payments WHERE order_id = $1 FOR UPDATE`, [orderId]);
    return rows[0] ?? null;
  }

  async settle(m: EntityManager, id: string, status: PaymentStatus, extra: { declineReason?: string; chargeId?: string } = {}) {
    await m.query(
      `UPDATE payments.payments SET status = $2, decline_reason = $3, charge_id = $4, updated_at = now() WHERE id = $1`,
      [id, status, extra.declineReason ?? null, extra.chargeId ?? null],
    );
  }

  /** Decided payments only: a pending intent is not a payment yet. */
  async listDecided(m: EntityManager, orderId: string): Promise<Payment[]> {
    return m.query(`SELECT ${COLUMNS} FROM payments.payments WHERE order_id = $1 AND status <> 'PENDING' ORDER BY created_at`, [
      orderId,
    ]);
  }
}
