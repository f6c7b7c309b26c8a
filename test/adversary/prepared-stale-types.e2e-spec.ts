import { Pool } from 'pg';
import { sql } from '../../src/platform/database/sql';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { runnerOnPool } from '../support/pool-runner';

/**
 * A migration that widens a column (int -> bigint, int -> numeric) while the app runs. PREPARE fixed
 * the parameter's type (int4) on every pooled connection; EXECUTE keeps coercing to it after the
 * ALTER. The parameterised path (and DATABASE_PREPARED_STATEMENTS=false) re-infers and works.
 * The error is 22003/22P02, not 26000/0A000: PreparedStatements.failed never forgets it.
 */
describe('adversary: prepared statement keeps stale parameter types after ALTER COLUMN TYPE', () => {
  let db: TestDatabase;
  let pool: Pool;
  const runner = (prepare = true) => runnerOnPool(pool, prepare);

  beforeAll(async () => {
    db = await createTestDatabase('advst');
    pool = new Pool({ connectionString: db.url, max: 1 });
    await pool.query('CREATE SCHEMA a; CREATE TABLE a.stock (sku text PRIMARY KEY, qty int NOT NULL)');
    await pool.query("INSERT INTO a.stock VALUES ('s1', 0)");
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const setQty = (tx: TransactionRunner, qty: number | string) =>
    tx.run((m) => sql.exec(m, 'UPDATE a.stock SET qty = $2 WHERE sku = $1', ['s1', qty])).then(
      () => 'ok',
      (e: { driverError?: { code?: string } }) => e.driverError?.code ?? String(e),
    );

  it('int -> bigint: values past 2^31 fail one unit on this connection, then run (the statement inlined, then prepared again)', async () => {
    const tx = runner();
    for (let i = 0; i < 4; i++) expect(await setQty(tx, i)).toBe('ok'); // prepared after the 2nd run
    await pool.query('ALTER TABLE a.stock ALTER COLUMN qty TYPE bigint');
    // The parameterised path takes it:
    expect(await setQty(runner(false), 3_000_000_000)).toBe('ok');
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) outcomes.push(await setQty(tx, 3_000_000_000 + i));
    expect(outcomes).toEqual(['22003', 'ok', 'ok', 'ok', 'ok']);
  });

  it('int -> numeric: a fractional value fails one unit on this connection, then runs', async () => {
    const tx = runner();
    await pool.query('ALTER TABLE a.stock ALTER COLUMN qty TYPE int USING 0');
    await pool.query('DEALLOCATE ALL');
    // A fresh connection state: forget every name this client had (new pool).
    const p2 = new Pool({ connectionString: db.url, max: 1 });
    const tx2 = runnerOnPool(p2, true);
    const set = (v: string) => tx2.run((m) => sql.exec(m, 'UPDATE a.stock SET qty = $2 WHERE sku = $1', ['s1', v])).then(() => 'ok', (e: { driverError?: { code?: string } }) => e.driverError?.code ?? String(e));
    for (let i = 0; i < 4; i++) expect(await set(String(i))).toBe('ok');
    await pool.query('ALTER TABLE a.stock ALTER COLUMN qty TYPE numeric(12,2)');
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(await set('1.5'));
    await p2.end();
    void tx;
    expect(outcomes).toEqual(['22P02', 'ok', 'ok', 'ok']);
  });
});
