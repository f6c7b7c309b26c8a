import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { sql } from '../../src/platform/database/sql';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';
import { Inbox } from '../../src/platform/inbox/inbox';
import { EventEnvelope } from '../../src/contracts/event-envelope';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { runnerOnPool } from '../support/pool-runner';

/** EXECUTE must store and answer what the parameterised path does, for every value type; results and errors alike. */
describe('adversary: prepared vs parameterised parity', () => {
  let db: TestDatabase;
  let prepPool: Pool;
  let plainPool: Pool;
  const sent: string[] = [];
  const cols = 'i, b, n, bo, tz, ts, d, j, js, ta, ua, ia, t';
  const insert = `INSERT INTO x.v (id, ${cols}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${cols}`;
  const big = 'x'.repeat(2_000_000);
  const ROWS: unknown[][] = [
    [0, '9007199254740993', 0.1, true, new Date(0), new Date(0), '2024-01-01', { a: 1 }, { a: 1 }, [], [], [], '123'],
    [-1, BigInt('9007199254740993'), '1e-20', false, new Date('2024-02-29T12:34:56.789Z'), new Date('2024-02-29T12:34:56.789Z'), new Date('2024-03-01T00:00:00Z'), [1, 2], [1, 2], ['a', 'b,c', '"q"', null, '', 'NULL'], [randomUUID()], [1, 2], ' 00 '],
    [null, null, 'NaN', 'yes', 'infinity', '-infinity', 'epoch', 'null', '"x"', [['x', 'y']], null, [null], ''],
    ['42', '-0', '12345678901234567890.123', null, null, null, null, { s: "o'brien\\ \u00e9 😀", n: null }, '{"dup":1,"dup":2}', ['\\', "'", '{}'], [], [0], big],
    [2147483647, 1, 1, 'maybe', 'not a date', null, null, null, null, null, null, null, 'a\u0000b'],
    [2147483648, 1, 1, true, null, null, null, null, null, null, null, null, 'overflow'],
    [1.5, 1, 1, true, null, null, null, { toPostgres: () => '{"custom":true}' }, null, null, null, null, 'frac'],
  ];

  const outcome = (p: Promise<unknown>) => p.then((r) => JSON.stringify(r), (e: { driverError?: { code?: string }; code?: string }) => `error ${e.driverError?.code ?? e.code}`);

  beforeAll(async () => {
    db = await createTestDatabase('advpar');
    prepPool = new Pool({ connectionString: db.url, max: 1 });
    plainPool = new Pool({ connectionString: db.url, max: 1 });
    prepPool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
        if (text) sent.push(text.slice(0, 200));
        return query(...args);
      };
    });
    await plainPool.query(`CREATE SCHEMA x; CREATE TABLE x.v (id int PRIMARY KEY, i int, b bigint, n numeric, bo boolean, tz timestamptz, ts timestamp, d date,
      j jsonb, js json, ta text[], ua uuid[], ia int[], t text);
      CREATE TABLE x.inbox (consumer text NOT NULL, event_id uuid NOT NULL, type text NOT NULL, processed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, event_id))`);
  });
  afterAll(async () => {
    await prepPool?.end();
    await plainPool?.end();
    await db?.drop();
  });

  it('stores, returns and fails the same, first statement (BEGIN; EXECUTE) and later statement (EXECUTE alone)', async () => {
    const prep = runnerOnPool(prepPool, true);
    const plain = runnerOnPool(plainPool, false);
    // Warm up: the insert is prepared on the one prepared connection.
    for (let k = 0; k < 3; k++) await prep.run((m) => sql.rows(m, insert, [1000 + k, ...ROWS[0]]));
    const diffs: string[] = [];
    for (const [r, row] of ROWS.entries()) {
      for (const later of [false, true]) {
        const run = (tx: TransactionRunner, id: number) =>
          tx.run(async (m) => {
            if (later) await sql.exec(m, 'SELECT 1 AS one');
            return sql.rows(m, insert, [id, ...row]);
          });
        const a = await outcome(run(prep, 100 + r * 2 + Number(later)));
        const b = await outcome(run(plain, 200 + r * 2 + Number(later)));
        if (a !== b) diffs.push(`row ${r} later=${later}: prepared ${a.slice(0, 200)} / parameterised ${b.slice(0, 200)}`);
      }
    }
    const stored = await plainPool.query(`SELECT p.id, to_jsonb(p) - 'id' AS a, to_jsonb(q) - 'id' AS b FROM x.v p JOIN x.v q ON q.id = p.id + 100 WHERE p.id BETWEEN 100 AND 199`);
    for (const row of stored.rows) if (JSON.stringify(row.a) !== JSON.stringify(row.b)) diffs.push(`stored ${row.id}`);
    expect(sent.filter((t) => /EXECUTE shop_/.test(t)).length).toBeGreaterThan(ROWS.length);
    expect(diffs).toEqual([]);
  });

  it('execMany / sql.later / laterAnswered with EXECUTE: same row counts and RETURNING', async () => {
    const prep = runnerOnPool(prepPool, true);
    const upd = 'UPDATE x.v SET t = $2 WHERE id >= $1 RETURNING id';
    const del = 'DELETE FROM x.v WHERE id = $1';
    const results: unknown[] = [];
    for (let k = 0; k < 4; k++) {
      results.push(
        await prep.run(async (m) => {
          const many = await sql.batch(m, [
            [upd, [1000, `k${k}`]],
            [del, [-5]],
            ['SELECT count(*)::int AS c FROM x.v WHERE t = $1', [`k${k}`]],
          ]);
          const answered = sql.laterAnswered(m, upd, [1001, `z${k}`]);
          await sql.later(m, del, [-6]);
          return { many: many.map((r) => [r.affected, r.rows]), answered };
        }).then(async (r) => ({ many: r.many, answered: ((await r.answered) as { affected: number }).affected })),
      );
    }
    for (const r of results) expect(r).toEqual({ many: [[3, [{ id: 1000 }, { id: 1001 }, { id: 1002 }]], [0, []], [1, [{ c: 3 }]]], answered: 2 });
    expect(sent.some((t) => /^BEGIN; EXECUTE shop_\w+\('1000'/.test(t))).toBe(true);
  });

  it('the inbox repeat (23505 on schema x, table inbox) is still recognised when the row is an EXECUTE', async () => {
    const prep = runnerOnPool(prepPool, true);
    const inbox = new Inbox('x');
    const event = (id: string) => ({ id, type: 't.v1' }) as unknown as EventEnvelope;
    const deliver = async (id: string) => {
      let lead: ReturnType<Inbox['recordAhead']>;
      try {
        await prep.run(async (tx) => {
          lead = inbox.recordAhead(tx, 'c', event(id));
          await sql.exec(tx, 'SELECT 1 AS one');
        });
        return 'new';
      } catch (e) {
        return (await lead!.wasRepeat()) ? 'repeat' : `error ${(e as Error).message}`;
      }
    };
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const out: string[] = [];
    for (const id of ids) out.push(await deliver(id), await deliver(id));
    expect(out).toEqual(ids.flatMap(() => ['new', 'repeat']));
    expect(sent.some((t) => /^BEGIN; EXECUTE shop_\w+\('c'/.test(t))).toBe(true);
  });
});
