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
   * Serialises the reservation steps of one order (reserve, release, commit): their events come
   * on different consumers and may run at the same moment.
   */
  async lockOrder(m: Sql, orderId: string): Promise<void> {
    await sql.exec(m, `SELECT pg_advisory_xact_lock(hashtext('inventory.order:' || $1))`, [orderId]);
  }

  async isClosed(m: Sql, orderId: string): Promise<boolean> {
    const rows = await sql.rows(m, `SELECT 1 FROM inventory.closed_orders WHERE order_id = $1`, [orderId]);
    return rows.length > 0;
  }

  /** Locks the rows of a plan in its (sku) order and returns what is available in each. */
  async lockAvailable(m: Sql, skus: string[]): Promise<Map<string, number>> {
    const rows: { sku: string; available: number }[] = await sql.rows(m, 
      `SELECT sku, available FROM inventory.products WHERE sku = ANY($1) ORDER BY sku FOR UPDATE`,
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, r.available]));
  }

  async reserve(m: Sql, orderId: string, plan: Line[]): Promise<void> {
    for (const { sku, quantity } of plan) {
      const rows = await sql.rows(m, 
        `UPDATE inventory.products SET available = available - $2, reserved = reserved + $2, updated_at = now()
         WHERE sku = $1 AND available >= $2 RETURNING sku`,
        [sku, quantity],
      );
      if (rows.length !== 1) throw new Error(`stock of ${sku} changed under a lock`);
      await sql.later(m, `INSERT INTO inventory.reservations (order_id, sku, quantity, status) VALUES ($1, $2, $3, 'RESERVED')`, [
        orderId,
        sku,
        quantity,
      ]);
    }
  }

  /** Moves an order's held stock back to available (cancel) or on to sold (confirm), once. */
  async settle(m: Sql, orderId: string, outcome: 'RELEASED' | 'COMMITTED'): Promise<Line[]> {
    const held = await sql.rows<Line>(m, 
      `UPDATE inventory.reservations SET status = $2, updated_at = now()
       WHERE order_id = $1 AND status = 'RESERVED' RETURNING sku, quantity`,
      [orderId, outcome],
    );
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
