import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { sql } from '../../src/platform/database/sql';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';
import { ProbeAppModule } from '../support/probe/probe.app';
import { ProbeService } from '../support/probe/probe.module';
import { startApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * ADVERSARY (issue 10, round trips cut): the statements a unit of work does not await. A last
 * write whose answer is read after the commit (sql.laterAnswered) runs at once when it cannot be
 * inlined (a bytea value, a NUL): the unit does not await it, so its statement must still land
 * inside the transaction, before the COMMIT or ROLLBACK, never after it on a released connection.
 */
describe('adversary: statements left in flight by a unit of work (real Postgres, in-process)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let tx: TransactionRunner;

  beforeAll(async () => {
    db = await createTestDatabase('advrt');
    app = await startApp((c) => ProbeAppModule.forRoot(c), { DATABASE_URL: db.url, NATS_URL: '', DATABASE_POOL_SIZE: '2' });
    tx = app.get(ProbeService).transactions;
    await db.query(`CREATE SCHEMA adv`);
    await db.query(`CREATE TABLE adv.vals (id bigserial PRIMARY KEY, k text NOT NULL, b bytea, CHECK (k <> 'refused'))`);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const rows = (k: string) => db.query(`SELECT 1 FROM adv.vals WHERE k = $1`, [k]);
  const bytes = Buffer.from([0, 1, 2, 255]);

  it('an answered last write that cannot be inlined rolls back with a unit that fails', async () => {
    let answer: Promise<unknown> | undefined;
    await expect(
      tx.run(async (m) => {
        answer = sql.laterAnswered(m, `INSERT INTO adv.vals (k, b) VALUES ($1, $2) RETURNING id`, ['bytea-rolled-back', bytes]);
        answer.catch(() => undefined);
        throw new Error('the unit of work fails');
      }),
    ).rejects.toThrow('the unit of work fails');
    await expect(answer).rejects.toBeDefined();
    // Given time to land anywhere (autocommitted after the ROLLBACK, say), it must be nowhere.
    await tx.run((m) => m.exec('SELECT pg_sleep(0.05)'));
    expect(await rows('bytea-rolled-back')).toHaveLength(0);
  });

  it('an answered last write that cannot be inlined rolls back with a COMMIT that fails', async () => {
    let answer: Promise<unknown> | undefined;
    await expect(
      tx.run(async (m) => {
        answer = sql.laterAnswered(m, `INSERT INTO adv.vals (k, b) VALUES ($1, $2) RETURNING id`, ['bytea-commit-failed', bytes]);
        answer.catch(() => undefined);
        await sql.later(m, `INSERT INTO adv.vals (k) VALUES ($1)`, ['refused']);
      }),
    ).rejects.toMatchObject({ code: '23514' });
    await tx.run((m) => m.exec('SELECT pg_sleep(0.05)'));
    expect(await rows('bytea-commit-failed')).toHaveLength(0);
  });

  it('an answered last write that cannot be inlined commits with its unit and answers', async () => {
    let answer: Promise<{ rows: unknown[] }> | undefined;
    await tx.run(async (m) => {
      answer = sql.laterAnswered(m, `INSERT INTO adv.vals (k, b) VALUES ($1, $2) RETURNING k`, ['bytea-committed', bytes]);
    });
    await expect(answer).resolves.toMatchObject({ rows: [{ k: 'bytea-committed' }] });
    expect(await db.query(`SELECT b FROM adv.vals WHERE k = 'bytea-committed'`)).toEqual([{ b: bytes }]);
  });

  it('the pooled connections come back out of any transaction', async () => {
    for (let i = 0; i < 4; i++) {
      const [{ open }] = (await tx.single((m) => m.exec(`SELECT now() <> statement_timestamp() OR txid_current_if_assigned() IS NOT NULL AS open`))).rows as { open: boolean }[];
      expect(open).toBe(false);
    }
  });
});
