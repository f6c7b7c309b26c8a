import { TestDatabase } from './test-database';

export const MODULE_SCHEMAS = ['orders', 'inventory', 'payments', 'notifications'];

/**
 * Every row of the module tables (all, or those named `only`) that holds `needle` anywhere, as
 * `schema.table: count`: the scan for a secret that must be nowhere. The simulated gateway's
 * ledger is outside the product and not scanned.
 */
export async function rowsHolding(db: TestDatabase, needle: string, only?: string): Promise<string[]> {
  const tables = await db.query<{ name: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
     WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' AND ($2::text IS NULL OR table_name = $2)`,
    [MODULE_SCHEMAS, only ?? null],
  );
  const found: string[] = [];
  for (const { name } of tables) {
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM ${name} t WHERE t::text LIKE '%' || $1 || '%'`, [needle]);
    if (n > 0) found.push(`${name}: ${n}`);
  }
  return found;
}
