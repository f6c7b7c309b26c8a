import { Pool, PoolClient, QueryResult } from 'pg';
import { ConnectionHandOff } from '../../src/platform/database/connection-hand-off';
import { REPLAN_MAX_MS } from '../../src/platform/database/prepared-statements';
import { sql } from '../../src/platform/database/sql';
import { SqlTransaction } from '../../src/platform/database/sql-transaction';
import { recordingPool, runnerOnPool } from '../support/pool-runner';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * Attack on PreparedStatements.replan (78b72a3): the clock passes replanAt in the middle of a unit
 * of work. Statements of that unit rendered as EXECUTE before the jump are still sent (lead with
 * BEGIN, atCommit with COMMIT, execMany), the DEALLOCATE ALL must come only after the unit; also a
 * unit that hands its connection off (claim-at-commit) skips prepareDue, and a data exception
 * (failed()) in the same unit. No unit may fail with 26000, and the statements come back prepared.
 */
describe('replan in the middle of a unit of work (real Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const sent: string[] = [];
  let offset = 0;
  let clock: jest.SpyInstance<number, []>;

  const INS = 'INSERT INTO r.inbox (id, note) VALUES ($1, $2)';
  const UPD = 'UPDATE r.notes SET n = n + 1 WHERE id = $1';
  const SEL = 'SELECT n FROM r.notes WHERE id = $1';
  const SEL2 = 'SELECT n FROM r.notes WHERE id = $1 AND n >= 0';
  let nextId = 1;

  beforeAll(async () => {
    db = await createTestDatabase('replanmid');
    pool = recordingPool(db.url, sent);
    await pool.query('CREATE SCHEMA r; CREATE TABLE r.notes (id int PRIMARY KEY, n int NOT NULL); CREATE TABLE r.inbox (id int PRIMARY KEY, note text NOT NULL)');
    await pool.query('INSERT INTO r.notes SELECT g, 0 FROM generate_series(1, 10) g');
    const real = Date.now.bind(Date);
    clock = jest.spyOn(Date, 'now').mockImplementation(() => real() + offset);
  });

  afterAll(async () => {
    clock?.mockRestore();
    await pool?.end();
    await db?.drop();
  });

  const names = async () => (await pool.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map((r) => r.statement);

  /** A unit that uses every shape: a leading EXECUTE with BEGIN, EXECUTEs, a batch, a write with COMMIT. */
  const fullUnit = (tx: ReturnType<typeof runnerOnPool>, jumpAt: 'afterLead' | 'afterFirst' | 'beforeCommit' | 'never', failData = false) =>
    tx.run(async (m) => {
      const t = m as SqlTransaction;
      const lead = t.lead(t.plain(INS, [nextId++, 'lead'])!);
      if (jumpAt === 'afterLead') offset += REPLAN_MAX_MS + 1;
      await sql.one(m, SEL, [1]);
      if (jumpAt === 'afterFirst') offset += REPLAN_MAX_MS + 1;
      await sql.batch(m, [
        [UPD, [2]],
        [SEL2, [2]],
      ]);
      await sql.later(m, UPD, [3]);
      await sql.later(m, INS, [nextId++, 'tail']);
      if (failData) await sql.one(m, 'SELECT $1::int AS x', ['not a number']).catch(() => undefined);
      if (jumpAt === 'beforeCommit') offset += REPLAN_MAX_MS + 1;
      await lead.answer();
    });

  /** `n` more full units on the connection, none failing: nothing of the replan is left to trip over. */
  const laterUnitsRun = async (tx: ReturnType<typeof runnerOnPool>, n: number) => {
    const errors: unknown[] = [];
    for (let i = 0; i < n; i++) await fullUnit(tx, 'never').catch((e) => errors.push(e));
    expect(errors).toEqual([]);
  };

  it('warms up: the statements are prepared and sent as EXECUTE', async () => {
    const tx = runnerOnPool(pool);
    for (let i = 0; i < 4; i++) await fullUnit(tx, 'never');
    const prepared = await names();
    for (const text of [INS, UPD, SEL, SEL2]) expect(prepared.some((s) => s.includes(text))).toBe(true);
    expect(sent.some((t) => /^BEGIN; EXECUTE shop_/.test(t))).toBe(true);
  });

  it.each(['afterLead', 'afterFirst', 'beforeCommit'] as const)('the clock passes replanAt %s: the unit commits, no 26000, DEALLOCATE ALL only after its COMMIT', async (jumpAt) => {
    const tx = runnerOnPool(pool);
    // Re-prepare first (a replan may be pending from an earlier case).
    for (let i = 0; i < 4; i++) await fullUnit(tx, 'never');
    sent.length = 0;
    await fullUnit(tx, jumpAt);
    const commit = sent.findIndex((t) => /COMMIT$/.test(t));
    const dealloc = sent.findIndex((t) => t.startsWith('DEALLOCATE ALL'));
    expect(commit).toBeGreaterThanOrEqual(0);
    // Either the replan fired in the unit (DEALLOCATE after its COMMIT) or at the next unit's first render.
    if (dealloc >= 0) expect(dealloc).toBeGreaterThan(commit);
    // The lead was rendered as EXECUTE before the jump and went with BEGIN; the replan fired within this unit.
    expect(sent.some((t) => /^BEGIN; EXECUTE shop_/.test(t))).toBe(true);
    if (jumpAt !== 'beforeCommit') expect(dealloc).toBeGreaterThan(commit);
    if (jumpAt === 'afterFirst') expect(sent.slice(0, commit + 1).filter((t) => t.includes('EXECUTE shop_')).length).toBeGreaterThanOrEqual(1);
    await laterUnitsRun(tx, 6);
    const prepared = await names();
    for (const text of [INS, UPD, SEL, SEL2]) expect(prepared.some((s) => s.includes(text))).toBe(true);
  });

  it('replan and a data exception (failed()) in the same unit: the next units run', async () => {
    const tx = runnerOnPool(pool);
    for (let i = 0; i < 4; i++) await fullUnit(tx, 'never');
    await fullUnit(tx, 'afterFirst', true).catch(() => undefined);
    await laterUnitsRun(tx, 6);
  });

  it('a unit that fires the replan and hands its connection off (no prepareDue): the taker and later units never meet a dropped name', async () => {
    const tx = runnerOnPool(pool);
    for (let i = 0; i < 4; i++) await fullUnit(tx, 'never');
    let taken: Promise<void> | undefined;
    const handOff: ConnectionHandOff = {
      statements: () => 'BEGIN; SELECT 1 AS claimed',
      take: (client: PoolClient, results: QueryResult[]) => {
        expect(results.length).toBeGreaterThan(0);
        taken = (async () => {
          await client.query('COMMIT');
          client.release();
        })();
      },
      declined: () => undefined,
    };
    await tx.run(async (m) => {
      const t = m as SqlTransaction;
      await sql.one(m, SEL, [1]);
      offset += REPLAN_MAX_MS + 1;
      await sql.exec(m, UPD, [4]);
      await sql.later(m, UPD, [5]);
      expect(t.handOffAfterCommit(handOff)).toBe(true);
    });
    expect(taken).toBeDefined();
    await taken;
    await laterUnitsRun(tx, 8);
    const prepared = await names();
    for (const text of [INS, UPD, SEL, SEL2]) expect(prepared.some((s) => s.includes(text))).toBe(true);
  });

  it('a PREPARE refused in the round trip after a DEALLOCATE ALL: the statements before it are usable, nothing points at a dropped name', async () => {
    const tx = runnerOnPool(pool);
    const odd = 'SELECT $2::text AS v';
    for (let i = 0; i < 4; i++) await fullUnit(tx, 'never');
    // One unit: the replan fires, then the odd one (refused by PREPARE) and the others get due together.
    offset += REPLAN_MAX_MS + 1;
    for (let i = 0; i < 3; i++) {
      await tx.run(async (m) => {
        await sql.one(m, odd, ['x', 'y']);
        await sql.one(m, SEL, [1]);
        await sql.one(m, SEL2, [1]);
      });
    }
    const errors: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      await tx.run(async (m) => {
        await sql.one(m, odd, ['x', 'y']);
        await sql.one(m, SEL, [1]);
        await sql.one(m, SEL2, [1]);
      }).catch((e) => errors.push(e));
    }
    expect(errors).toEqual([]);
    expect(sent.some((t) => t.startsWith('DEALLOCATE ALL'))).toBe(true);
  });
});
