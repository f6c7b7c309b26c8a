import { Pool } from 'pg';
import { sql } from '../../src/platform/database/sql';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { runnerOnPool } from '../support/pool-runner';

/**
 * An online migration that changes a read column's type (int -> bigint): a pooled connection that
 * prepared a read of it fails at most one unit of work with 0A000 "cached plan must not change result
 * type", then heals (the statements inlined, prepared again later). Parameterised
 * (DATABASE_PREPARED_STATEMENTS=false): no unit fails. The README's configuration table says so.
 */
describe('adversary: a migration while running, pool of 4', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase('advmig');
    pool = new Pool({ connectionString: db.url, max: 4 });
    await pool.query("CREATE SCHEMA m; CREATE TABLE m.orders (id int PRIMARY KEY, status varchar(20), total int); INSERT INTO m.orders SELECT g, 'new', g FROM generate_series(1, 100) g");
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const burst = async (tx: TransactionRunner, n: number) => {
    const outcomes = await Promise.all(
      Array.from({ length: n }, (_, k) =>
        tx.run(async (m) => {
          const row = await sql.one(m, 'SELECT status, total FROM m.orders WHERE id = $1', [1 + (k % 100)]);
          await new Promise((r) => setTimeout(r, 20)); // hold the connection: all 4 are used
          return row;
        }).then(() => 'ok', (e: { driverError?: { code?: string } }) => e.driverError?.code ?? 'error'),
      ),
    );
    return outcomes.filter((o) => o !== 'ok');
  };

  it.each([true, false])('prepare=%s: units failed by ALTER COLUMN TYPE on a read column', async (prepare) => {
    await pool.query('ALTER TABLE m.orders ALTER COLUMN total TYPE int');
    const tx = runnerOnPool(pool, prepare);
    for (let i = 0; i < 4; i++) expect(await burst(tx, 8)).toEqual([]);
    await pool.query(prepare ? 'ALTER TABLE m.orders ALTER COLUMN total TYPE bigint' : 'ALTER TABLE m.orders ALTER COLUMN total TYPE numeric');
    const first = await burst(tx, 8);
    const after = [...(await burst(tx, 8)), ...(await burst(tx, 8))];
    // At most one failed unit per pooled connection (4), all of them the replanned statement's, then none.
    expect(first.length).toBeLessThanOrEqual(prepare ? 4 : 0);
    expect(new Set(first)).toEqual(new Set(first.length ? ['0A000'] : []));
    expect(after).toEqual([]);
  });
});
