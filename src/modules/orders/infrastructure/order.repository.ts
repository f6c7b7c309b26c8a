import { Sql } from '../../../platform/database/sql';
import { Injectable } from '@nestjs/common';
import { sql } from '../../../platform/database/sql';
import { safeInteger } from '../../../platform/database/safe-integer';
import { Order, OrderState } from '../domain/order.aggregate';

const COLUMNS = `id, customer_id AS "customerId", customer_email AS "customerEmail", items,
  total_cents AS "totalCents", status,
  cancellation_reason AS "cancellationReason", version, created_at AS "createdAt", updated_at AS "updatedAt",
  request_hash AS "requestHash"`;

export type StoredOrder = OrderState & { requestHash: string | null };

/** total_cents is a bigint (pg hands it over as a string): read back exactly or refused. */
type OrderRow = Omit<StoredOrder, 'totalCents'> & { totalCents: string };

const toStoredOrder = (row: OrderRow): StoredOrder => ({
  ...row,
  totalCents: safeInteger(row.totalCents, 'orders.total_cents'),
});

@Injectable()
export class OrderRepository {
  /**
   * False when another request with the same Idempotency-Key got there first. Without a key
   * nothing can conflict and nothing reads the row back in the transaction: it goes with the
   * COMMIT (`sql.later`), one round trip fewer per order.
   */
  async insert(m: Sql, order: Order, idempotency?: { key: string; hash: string }): Promise<boolean> {
    const s = order.snapshot;
    const values = [
      s.id, s.customerId, s.customerEmail, JSON.stringify(s.items), s.totalCents, s.status,
      s.cancellationReason, s.version, idempotency?.key ?? null, idempotency?.hash ?? null, s.createdAt, s.updatedAt,
    ];
    const insert = `INSERT INTO orders.orders (id, customer_id, customer_email, items, total_cents, status,
         cancellation_reason, version, idempotency_key, request_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12)`;
    if (!idempotency) {
      await sql.later(m, insert, values);
      return true;
    }
    const rows = await sql.rows(m, `${insert} ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`, values);
    return rows.length === 1;
  }

  async find(m: Sql, id: string, lock = false): Promise<StoredOrder | null> {
    const rows = await sql.rows<OrderRow>(m, `SELECT ${COLUMNS} FROM orders.orders WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toStoredOrder(rows[0]) : null;
  }

  async findByIdempotencyKey(m: Sql, key: string): Promise<StoredOrder | null> {
    const rows = await sql.rows<OrderRow>(m, `SELECT ${COLUMNS} FROM orders.orders WHERE idempotency_key = $1`, [key]);
    return rows[0] ? toStoredOrder(rows[0]) : null;
  }

  /** The oldest orders still PENDING that were placed before `before`. */
  async pendingSince(m: Sql, before: Date, limit: number): Promise<string[]> {
    const rows = await sql.rows<{ id: string }>(
      m,
      `SELECT id FROM orders.orders WHERE status = 'PENDING' AND created_at < $1 ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }

  async saveTransition(m: Sql, order: Order): Promise<void> {
    const s = order.snapshot;
    await sql.later(
      m,
      `UPDATE orders.orders SET status = $2, cancellation_reason = $3, version = $4, updated_at = $5 WHERE id = $1`,
      [s.id, s.status, s.cancellationReason, s.version, s.updatedAt],
    );
    // A final order will never be charged: its card token, if payments has not taken it yet, goes now.
    if (s.status !== 'PENDING') await sql.later(m, `DELETE FROM orders.payment_handoffs WHERE id = $1`, [s.id]);
  }
}
