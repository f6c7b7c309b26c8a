import { Sql } from '../../../platform/database/sql';
import { Injectable } from '@nestjs/common';
import { sql } from '../../../platform/database/sql';

export interface CatalogEntry {
  sku: string;
  name: string;
  priceCents: number;
  version: number;
}

@Injectable()
export class CatalogRepository {
  /** Applies a product version only if it is newer than the one held: late events never roll back. */
  async upsert(m: Sql, entry: CatalogEntry): Promise<void> {
    await sql.exec(m, 
      `INSERT INTO orders.catalog (sku, name, price_cents, version) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents,
         version = EXCLUDED.version, updated_at = now()
       WHERE orders.catalog.version < EXCLUDED.version`,
      [entry.sku, entry.name, entry.priceCents, entry.version],
    );
  }

  async prices(m: Sql, skus: string[]): Promise<Map<string, number>> {
    const rows: { sku: string; price_cents: number }[] = await sql.rows(m, 
      'SELECT sku, price_cents FROM orders.catalog WHERE sku = ANY($1)',
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, r.price_cents]));
  }

  async find(m: Sql, sku: string): Promise<CatalogEntry | null> {
    const rows = await sql.rows<CatalogEntry>(
      m,
      'SELECT sku, name, price_cents AS "priceCents", version FROM orders.catalog WHERE sku = $1',
      [sku],
    );
    return rows[0] ?? null;
  }
}
