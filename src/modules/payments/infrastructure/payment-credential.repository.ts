import { Sql } from '../../../platform/database/sql';
import { Injectable } from '@nestjs/common';
import { sql } from '../../../platform/database/sql';

/** Statuses in which a charge may still need the card token. */
const OPEN = `('PENDING', 'CHARGING')`;

/** Card tokens of orders whose charge may still happen; nothing else keeps them. */
@Injectable()
export class PaymentCredentialRepository {
  /** Keeps each token unless its order's payment is decided already (a late hand-over); a repeat keeps the first. A last write: it goes with the COMMIT. */
  async deposit(m: Sql, credentials: readonly { orderId: string; paymentToken: string }[]): Promise<void> {
    const values = credentials.map((_, i) => `($${2 * i + 1}::uuid, $${2 * i + 2})`).join(', ');
    await sql.later(
      m,
      `INSERT INTO payments.payment_credentials (order_id, payment_token)
       SELECT c.order_id, c.payment_token FROM (VALUES ${values}) AS c (order_id, payment_token)
       WHERE NOT EXISTS (SELECT 1 FROM payments.payments p WHERE p.order_id = c.order_id AND p.status NOT IN ${OPEN})
       ON CONFLICT (order_id) DO NOTHING`,
      credentials.flatMap((c) => [c.orderId, c.paymentToken]),
    );
  }

  async has(m: Sql, orderId: string): Promise<boolean> {
    return (await sql.rows(m, `SELECT 1 FROM payments.payment_credentials WHERE order_id = $1`, [orderId])).length === 1;
  }

  async tokenOf(m: Sql, orderId: string): Promise<string | undefined> {
    const rows = await sql.rows<{ token: string }>(m, ...this.tokenQuery(orderId));
    return rows[0]?.token;
  }

  /** The statement tokenOf runs, for a caller that sends it with others (`sql.batch`); its row has `token`. */
  tokenQuery(orderId: string): [string, string[]] {
    return [`SELECT payment_token AS token FROM payments.payment_credentials WHERE order_id = $1`, [orderId]];
  }


  async forget(m: Sql, orderId: string): Promise<void> {
    await sql.later(m, `DELETE FROM payments.payment_credentials WHERE order_id = $1`, [orderId]);
  }

  /**
   * What a race left behind (a hand-over committing beside a void): tokens of decided payments,
   * and tokens whose order never reached payments after `orphanMs`.
   */
  async purgeStale(m: Sql, orphanMs: number): Promise<number> {
    const rows = await sql.rows(
      m,
      `DELETE FROM payments.payment_credentials c
       WHERE EXISTS (SELECT 1 FROM payments.payments p WHERE p.order_id = c.order_id AND p.status NOT IN ${OPEN})
          OR (c.received_at < now() - $1::bigint * interval '1 millisecond'
              AND NOT EXISTS (SELECT 1 FROM payments.payments p WHERE p.order_id = c.order_id))
       RETURNING c.order_id`,
      [orphanMs],
    );
    return rows.length;
  }
}
