import { Sql } from '../../../platform/database/sql';
import { Injectable } from '@nestjs/common';
import { claimDueWork, DueWorkTable, postponeDueWork } from '../../../platform/database/due-work';
import { sql } from '../../../platform/database/sql';

export interface PaymentHandoff {
  orderId: string;
  paymentToken: string;
}

/** Tokens of orders still PENDING: once an order is final, its token is of no use to anyone. */
const HANDOFFS: DueWorkTable = {
  table: 'orders.payment_handoffs',
  due: `EXISTS (SELECT 1 FROM orders.orders o WHERE o.id = payment_handoffs.id AND o.status = 'PENDING')`,
  returning: `w.id AS "orderId", w.payment_token AS "paymentToken"`,
};

/** Card tokens waiting to be handed to payments; a row is deleted as soon as payments has it. */
@Injectable()
export class PaymentHandoffRepository {
  /** Recorded claimed for `claimMs`: the process that placed the order hands it over (PaymentHandoffWorker.handOver). */
  async insert(m: Sql, orderId: string, paymentToken: string, claimMs: number): Promise<void> {
    await sql.later(
      m,
      `INSERT INTO orders.payment_handoffs (id, payment_token, claimed_until) VALUES ($1, $2, now() + $3::int * interval '1 millisecond')`,
      [orderId, paymentToken, claimMs],
    );
  }

  claimDue(m: Sql, limit: number, leaseMs: number): Promise<PaymentHandoff[]> {
    return claimDueWork<PaymentHandoff>(m, HANDOFFS, limit, leaseMs);
  }

  /** Claimed tokens this process will not hand over (it is stopping): any process's round may take them at once. */
  async release(m: Sql, orderIds: readonly string[]): Promise<void> {
    await sql.exec(m, `UPDATE orders.payment_handoffs SET claimed_until = NULL WHERE id = ANY($1::uuid[])`, [orderIds]);
  }

  postpone(m: Sql, orderId: string, error: string): Promise<void> {
    return postponeDueWork(m, HANDOFFS, orderId, error);
  }

  async deleteAll(m: Sql, orderIds: readonly string[]): Promise<void> {
    await sql.exec(m, `DELETE FROM orders.payment_handoffs WHERE id = ANY($1::uuid[])`, [orderIds]);
  }

  /** Handed over, or the order is final: the token goes. */
  async delete(m: Sql, orderId: string): Promise<void> {
    await sql.exec(m, `DELETE FROM orders.payment_handoffs WHERE id = $1`, [orderId]);
  }
}
