import { DataSource, QueryFailedError } from 'typeorm';
import { sql } from '../../src/platform/database/sql';
import { poolOf, TransactionRunner } from '../../src/platform/database/transaction-runner';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * Attack on sql.ts `alone()` (f0badc9): pg-pool's `pool.query` releases its client with the
 * query's error, and pg-pool destroys a client released with an error, so a statement on its own
 * that failed with an ordinary SQL error (23505, 22P02) closed a healthy pooled session (a new
 * backend, a new TLS handshake, and the prepared statements of the units of work sharing the pool
 * gone): 5 failures closed 5 sessions. TypeORM's query runner kept it, and so does `alone()` now.
 */
describe('alone(): a statement Postgres refuses keeps its pooled connection (real Postgres)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('alonechurn');
    dataSource = await new DataSource({ type: 'postgres', url: db.url, extra: { max: 1 } }).initialize();
    await dataSource.query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
    await dataSource.query(`INSERT INTO notes VALUES (1, 'a')`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const pid = async () => (await sql.one<{ pid: number }>(dataSource.manager, 'SELECT pg_backend_pid() AS pid'))!.pid;

  it('control: a failing statement through TypeORM\'s query runner (the code before f0badc9) keeps the session', async () => {
    const before = await pid();
    const removed: unknown[] = [];
    poolOf(dataSource).on('remove', (c) => removed.push(c));
    for (let i = 0; i < 5; i++) {
      const runner = dataSource.createQueryRunner();
      try {
        await expect(runner.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [1, 'again'], true)).rejects.toBeInstanceOf(QueryFailedError);
      } finally {
        await runner.release();
      }
    }
    expect(await pid()).toBe(before);
    expect(removed).toHaveLength(0);
    poolOf(dataSource).removeAllListeners('remove');
  });

  it('alone(): failing statements (unique violations) keep the session: the same backend answers the next ones', async () => {
    const pids = new Set<number>([await pid()]);
    let removed = 0;
    poolOf(dataSource).on('remove', () => removed++);
    for (let i = 0; i < 5; i++) {
      await expect(sql.exec(dataSource.manager, 'INSERT INTO notes (id, body) VALUES ($1, $2)', [1, 'again'])).rejects.toMatchObject({ code: '23505' });
      pids.add(await pid());
    }
    poolOf(dataSource).removeAllListeners('remove');
     
    console.log(`alone(): 5 failures -> ${removed} pooled sessions closed, ${pids.size} distinct backends`);
    expect(removed).toBe(0); // pool.query: 5 sessions closed
    expect(pids.size).toBe(1);
  });

  it('the prepared statements of units of work on the same pool outlive an alone() failure', async () => {
    const tx = new TransactionRunner(dataSource, true);
    const read = 'SELECT body FROM notes WHERE id = $1';
    for (let i = 0; i < 4; i++) await tx.run((m) => sql.one(m, read, [1]));
    const prepared = async () => (await sql.rows<{ n: number }>(dataSource.manager, 'SELECT count(*)::int AS n FROM pg_prepared_statements')).at(0)!.n;
    expect(await prepared()).toBeGreaterThan(0);
    await sql.exec(dataSource.manager, 'SELECT $1::int', ['x']).catch(() => undefined);
    expect(await prepared()).toBeGreaterThan(0); // pool.query: a new session, none prepared
  });
});
