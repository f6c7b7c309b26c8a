import { Pool } from 'pg';
import { REPLAN_FIRST_MS } from '../../src/platform/database/prepared-statements';
import { sql } from '../../src/platform/database/sql';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';
import { recordingPool, runnerOnPool, seqScans } from '../support/pool-runner';

/** Values that must come back exactly as the parameterised path stored them, prepared or inlined. */
const VALUES = ["o'brien", "x'); DELETE FROM p.canary; --", 'a\\b', 'end\\', 'NULL', '{a,"b",NULL}', '$1 $2 $$', 'cart 😀🛒', `${"'\\".repeat(5_000)}`];

/**
 * Prepared statements on real Postgres (PreparedStatements): a statement run twice on a connection
 * is prepared there and then sent as EXECUTE, with the BEGIN or COMMIT it travels with; what it
 * stores and answers is what the inlined and parameterised paths stored and answered; one that
 * cannot be prepared stays inlined; a session that lost its statements heals after one failure.
 */
describe('prepared statements (real Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const sent: string[] = [];

  const runner = (prepare = true) => runnerOnPool(pool, prepare);
  const prepared = (tx: TransactionRunner) => tx.run((m) => sql.rows<{ statement: string }>(m, 'SELECT statement FROM pg_prepared_statements'));

  beforeAll(async () => {
    db = await createTestDatabase('prep');
    // One connection: every unit of work runs on the session whose statements the test reads.
    pool = recordingPool(db.url, sent);
    await pool.query('CREATE SCHEMA p; CREATE TABLE p.notes (id int PRIMARY KEY, body text, tags text[]); CREATE TABLE p.canary (x int); INSERT INTO p.canary VALUES (1)');
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  beforeEach(() => (sent.length = 0));

  it('prepares a statement after its second run, then sends it as EXECUTE with BEGIN and COMMIT; rows as the inlined runs stored them', async () => {
    const tx = runner();
    const insert = 'INSERT INTO p.notes (id, body, tags) VALUES ($1, $2, $3) RETURNING id, body, tags';
    const read = 'SELECT body, tags FROM p.notes WHERE id = $1';
    for (const [i, value] of VALUES.entries()) {
      const row = await tx.run(async (m) => {
        const [inserted] = await sql.rows(m, insert, [i, value, [value, null]]);
        await sql.later(m, 'UPDATE p.notes SET body = body WHERE id = $1', [i]);
        return inserted;
      });
      expect(row).toEqual({ id: i, body: value, tags: [value, null] });
    }
    const stored = await pool.query<{ id: number; body: string; tags: string[] }>('SELECT id, body, tags FROM p.notes ORDER BY id');
    expect(stored.rows).toEqual(VALUES.map((value, id) => ({ id, body: value, tags: [value, null] })));
    // Read back each row through the prepared read too: the same value.
    for (const [i, value] of VALUES.entries()) expect(await tx.run((m) => sql.one(m, read, [i]))).toEqual({ body: value, tags: [value, null] });

    expect(sent.some((t) => t.startsWith('PREPARE ') && t.includes('INSERT INTO p.notes'))).toBe(true);
    expect(sent.filter((t) => /^BEGIN; EXECUTE shop_\w+\(/.test(t)).length).toBeGreaterThanOrEqual(VALUES.length - 2);
    expect(sent.filter((t) => /EXECUTE shop_\w+\('?\d+'?\);\nCOMMIT$/.test(t)).length).toBeGreaterThanOrEqual(VALUES.length - 2);
    expect((await pool.query('SELECT count(*)::int AS n FROM p.canary')).rows[0].n).toBe(1);
    const statements = (await prepared(tx)).map((r) => r.statement);
    expect(statements.some((s) => s.includes('INSERT INTO p.notes'))).toBe(true);
  });

  it('keeps a statement that PREPARE refuses (a parameter its context does not type) inlined, and it keeps working', async () => {
    const tx = runner();
    const odd = 'SELECT $2::text AS v';
    for (let i = 0; i < 5; i++) expect(await tx.run((m) => sql.one(m, odd, ['unused', `v${i}`]))).toEqual({ v: `v${i}` });
    await waitFor('the refused PREPARE', async () => sent.some((t) => t.startsWith('PREPARE') && t.includes(odd)), { timeoutMs: 5_000 });
    expect(sent.filter((t) => t.includes('EXECUTE')).filter((t) => !t.includes('pg_prepared'))).toEqual([]);
    expect(await tx.run((m) => sql.one(m, odd, ['unused', 'last']))).toEqual({ v: 'last' });
  });

  it('never prepares a queue claim (LIMIT, SKIP LOCKED): its best plan depends on the backlog', async () => {
    const tx = runner();
    for (let i = 0; i < 4; i++) {
      await tx.run((m) => sql.rows(m, 'SELECT id FROM p.notes WHERE id >= $1 ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED', [0]));
    }
    expect(sent.filter((t) => t.startsWith('PREPARE'))).toEqual([]);
  });

  it('never prepares a statement with an array parameter: its generic plan, made while the table was small, scanned it as it grew', async () => {
    const tx = runner();
    const scans = () => seqScans(pool, 'p.mails');
    // Rows as wide as the e-mails' (text columns), never analyzed, as a young table on a Postgres without autovacuum.
    await pool.query('CREATE TABLE p.mails (id uuid PRIMARY KEY, "to" text, subject text, body text, template text, last_error text, sent_at timestamptz)');
    await pool.query(`INSERT INTO p.mails (id, body) SELECT gen_random_uuid(), 'x' FROM generate_series(1, 5)`);
    // The e-mail marks' shape: one UPDATE for a group of ids (2 to 4 here), many times on one connection.
    const mark = 'UPDATE p.mails SET sent_at = now() WHERE id = ANY($1::uuid[])';
    const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
    for (let i = 0; i < 12; i++) await tx.run((m) => sql.exec(m, mark, [ids(2 + (i % 3))]));
    await pool.query(`INSERT INTO p.mails (id, body) SELECT gen_random_uuid(), repeat('x', 200) FROM generate_series(1, 20000)`);
    const before = await scans();
    for (let i = 0; i < 5; i++) await tx.run((m) => sql.exec(m, mark, [ids(3)]));
    expect((await scans()) - before).toBe(0);
    expect(sent.filter((t) => t.startsWith('PREPARE') && t.includes('p.mails'))).toEqual([]);
  });

  it('plans its statements anew after REPLAN_FIRST_MS: a generic plan made while a table was tiny (a Seq Scan) does not outlive its growth', async () => {
    const tx = runner();
    const scans = () => seqScans(pool, 'p.young');
    // Analyzed while tiny (an autovacuum or a vacuumdb right after a deploy), then no ANALYZE as it grows.
    await pool.query('CREATE TABLE p.young (id uuid PRIMARY KEY, body text)');
    await pool.query(`INSERT INTO p.young SELECT gen_random_uuid(), 'x' FROM generate_series(1, 5); ANALYZE p.young`);
    const touch = 'UPDATE p.young SET body = body WHERE id = $1';
    for (let i = 0; i < 12; i++) await tx.run((m) => sql.exec(m, touch, [crypto.randomUUID()]));
    await pool.query(`INSERT INTO p.young SELECT gen_random_uuid(), repeat('x', 200) FROM generate_series(1, 20000)`);
    let before = await scans();
    for (let i = 0; i < 3; i++) await tx.run((m) => sql.exec(m, touch, [crypto.randomUUID()]));
    // The cached generic plan, made at 5 rows: a Seq Scan of the 20,005 (the negative control of what follows).
    expect((await scans()) - before).toBe(3);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now + REPLAN_FIRST_MS + 1);
    try {
      for (let i = 0; i < 10; i++) await tx.run((m) => sql.exec(m, touch, [crypto.randomUUID()]));
      before = await scans();
      for (let i = 0; i < 5; i++) await tx.run((m) => sql.exec(m, touch, [crypto.randomUUID()]));
      expect((await scans()) - before).toBe(0);
      // Prepared again (DEALLOCATE ALL, then a PREPARE of it), not left inlined.
      const dropped = sent.findIndex((t) => t.startsWith('DEALLOCATE ALL'));
      expect(dropped).toBeGreaterThanOrEqual(0);
      expect(sent.slice(dropped).some((t) => t.includes(`AS ${touch}`))).toBe(true);
      expect((await prepared(tx)).some((r) => r.statement.includes(touch))).toBe(true);
    } finally {
      clock.mockRestore();
    }
  });

  it('heals a session that lost its statements (DISCARD ALL behind its back): one unit fails with 26000, the next ones run', async () => {
    const tx = runner();
    const read = 'SELECT body FROM p.notes WHERE id = $1 AND body IS NOT NULL';
    for (let i = 0; i < 3; i++) await tx.run((m) => sql.one(m, read, [0]));
    await waitFor('the read prepared', async () => (await prepared(tx)).some((r) => r.statement.includes(read)), { timeoutMs: 5_000 });
    await pool.query('DISCARD ALL');
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await tx.run((m) => sql.one(m, read, [0])).then(() => 'ok', (e: { driverError?: { code?: string }; code?: string }) => e.driverError?.code ?? e.code ?? 'error'));
    }
    expect(outcomes).toEqual(['26000', 'ok', 'ok', 'ok']);
    await waitFor('the read prepared again', async () => (await prepared(tx)).some((r) => r.statement.includes(read)), { timeoutMs: 5_000 });
    expect(await tx.run((m) => sql.one(m, read, [0]))).toEqual({ body: VALUES[0] });
  });

  it('a rolled-back unit leaves the connection usable and its statements prepared', async () => {
    const tx = runner();
    const bump = 'UPDATE p.notes SET body = body || $2 WHERE id = $1';
    for (let i = 0; i < 3; i++) {
      await expect(
        tx.run(async (m) => {
          await sql.exec(m, bump, [1, '!']);
          throw new Error('handler failed');
        }),
      ).rejects.toThrow('handler failed');
    }
    expect((await pool.query('SELECT body FROM p.notes WHERE id = 1')).rows[0].body).toBe(VALUES[1]);
    await tx.run((m) => sql.exec(m, bump, [1, '']));
    expect(sent.some((t) => /^BEGIN; EXECUTE shop_\w+\('1', ''\)$/.test(t))).toBe(true);
  });

  it('a unique violation (an inbox repeat) keeps the statements prepared: only a lost session or a changed type drops them', async () => {
    const tx = runner();
    const insert = 'INSERT INTO p.notes (id, body) VALUES ($1, $2)';
    await tx.run((m) => sql.exec(m, insert, [100, 'first']));
    await tx.run((m) => sql.exec(m, insert, [101, 'second']));
    sent.length = 0;
    for (let i = 0; i < 3; i++) await expect(tx.run((m) => sql.exec(m, insert, [100, 'again']))).rejects.toMatchObject({ code: '23505' });
    await tx.run((m) => sql.exec(m, insert, [102, 'third']));
    expect(sent.filter((t) => t.includes('DEALLOCATE') || t.startsWith('PREPARE'))).toEqual([]);
    expect(sent.filter((t) => /^BEGIN; EXECUTE shop_\w+\('10[02]'/.test(t))).toHaveLength(4);
  });

  it('with DATABASE_PREPARED_STATEMENTS off, no PREPARE and no EXECUTE is ever sent', async () => {
    await pool.query('DEALLOCATE ALL');
    const tx = runner(false);
    for (let i = 0; i < 5; i++) await tx.run((m) => sql.one(m, 'SELECT body FROM p.notes WHERE id = $1 AND id >= 0', [2]));
    expect(sent.filter((t) => t.startsWith('PREPARE') || t.includes('EXECUTE'))).toEqual([]);
  });
});
