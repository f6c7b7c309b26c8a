import { Sql } from '../../../platform/database/sql';
import { Injectable } from '@nestjs/common';
import { sql } from '../../../platform/database/sql';
import { Line } from '../domain/reservation-plan';

export interface ProductRow {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
  version: number;
}

/**
 * Serialises the reservation steps of one order (reserve, release, commit): their events come on
 * different consumers and may run at the same moment.
 */
const ORDER_LOCK = `SELECT pg_advisory_xact_lock(hashtext('inventory.order:' || $1))`;

const COLUMNS = `sku, name, price_cents AS "priceCents", available, reserved, sold, version`;

/** Stock lives in SQL: every change is a conditional update, so concurrency cannot oversell. */
@Injectable()
export class ProductRepository {
  async insert(m: Sql, p: { sku: string; name: string; priceCents: number; quantity: number }): Promise<ProductRow | null> {
    const rows = await sql.rows<ProductRow>(m, 
      `INSERT INTO inventory.products (sku, name, price_cents, available) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sku) DO NOTHING RETURNING ${COLUMNS}`,
      [p.sku, p.name, p.priceCents, p.quantity],
    );
    return rows[0] ?? null;
  }

  async find(m: Sql, sku: string): Promise<ProductRow | null> {
    const rows = await sql.rows<ProductRow>(m, `SELECT ${COLUMNS} FROM inventory.products WHERE sku = $1`, [sku]);
    return rows[0] ?? null;
  }

  /** Renames or reprices; the version moves by one, atomically with the change. */
  async update(m: Sql, sku: string, patch: { name?: string; priceCents?: number }): Promise<ProductRow | null> {
    const rows = await sql.rows<ProductRow>(m, 
      `UPDATE inventory.products
       SET name = COALESCE($2, name), price_cents = COALESCE($3, price_cents), version = version + 1, updated_at = now()
       WHERE sku = $1 RETURNING ${COLUMNS}`,
      [sku, patch.name ?? null, patch.priceCents ?? null],
    );
    return rows[0] ?? null;
  }

  async restock(m: Sql, sku: string, quantity: number): Promise<ProductRow | null> {
    const rows = await sql.rows<ProductRow>(m, 
      `UPDATE inventory.products SET available = available + $2, updated_at = now() WHERE sku = $1 RETURNING ${COLUMNS}`,
      [sku, quantity],
    );
    return rows[0] ?? null;
  }

  /**
   * For a reservation, in one round trip: the order's lock (ORDER_LOCK), then whether the order
   * is closed (read after the lock is granted: each statement takes its own snapshot), then the
   * rows of its skus locked in sku order, with what is available in each.
   */
  async lockForReservation(m: Sql, orderId: string, skus: string[]): Promise<{ closed: boolean; available: Map<string, number> }> {
    const [, closed, products] = await sql.batch(m, [
      [ORDER_LOCK, [orderId]],
      [`SELECT 1 FROM inventory.closed_orders WHERE order_id = $1`, [orderId]],
      [`SELECT sku, available FROM inventory.products WHERE sku = ANY($1) ORDER BY sku FOR UPDATE`, [skus]],
    ]);
    const rows = products.rows as { sku: string; available: number }[];
    return { closed: closed.rows.length > 0, available: new Map(rows.map((r) => [r.sku, r.available])) };
  }

  /**
   * Moves each line from available to reserved. The rows are locked (lockForReservation) and were
   * checked, so these are last writes with the COMMIT; the CHECKs still refuse any value below zero.
   */
  async reserve(m: Sql, orderId: string, plan: Line[]): Promise<void> {
    for (const { sku, quantity } of plan) {
      await sql.later(m, `UPDATE inventory.products SET available = available - $2, reserved = reserved + $2, updated_at = now() WHERE sku = $1`, [sku, quantity]);
      await sql.later(m, `INSERT INTO inventory.reservations (order_id, sku, quantity, status) VALUES ($1, $2, $3, 'RESERVED')`, [orderId, sku, quantity]);
    }
  }

  /** Moves an order's held stock back to available (cancel) or on to sold (confirm), once. */
  async settle(m: Sql, orderId: string, outcome: 'RELEASED' | 'COMMITTED'): Promise<Line[]> {
    // The order's lock first (see lockForReservation), in the same round trip.
    const [, settled] = await sql.batch(m, [
      [ORDER_LOCK, [orderId]],
      [`UPDATE inventory.reservations SET status = $2, updated_at = now() WHERE order_id = $1 AND status = 'RESERVED' RETURNING sku, quantity`, [orderId, outcome]],
    ]);
    const held = settled.rows as unknown as Line[];
    await sql.later(m, `INSERT INTO inventory.closed_orders (order_id, outcome) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [orderId, outcome]);
    const lines = held.sort((a, b) => (a.sku < b.sku ? -1 : 1));
    const target = outcome === 'RELEASED' ? 'available = available + $2' : 'sold = sold + $2';
    for (const { sku, quantity } of lines) {
      await sql.later(m, `UPDATE inventory.products SET reserved = reserved - $2, ${target}, updated_at = now() WHERE sku = $1`, [
        sku,
        quantity,
      ]);
    }
    return lines;
  }
}
