import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { inlineParams } from '../../src/platform/database/inline-params';
import { sql } from '../../src/platform/database/sql';
import { poolOf, TransactionRunner } from '../../src/platform/database/transaction-runner';
import { toErrorBody } from '../../src/platform/http/exceptions.filter';
import { ProbeAppModule } from '../support/probe/probe.app';
import { probeEvent, ProbeService } from '../support/probe/probe.module';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { startApp } from '../support/test-app';
import { deleteNamespace, testNamespace } from '../support/test-broker';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

/** What a user can put in a name, an e-mail, a key, an id: each must land as the parameterised path landed it. */
const HOSTILE: [string, string][] = [
  ['quote', "o'brien"],
  ['quotes only', "''''"],
  ['closing quote then statement', "x'); DELETE FROM adv.canary; --"],
  ['backslash', 'a\\b'],
  ['trailing backslash', 'end\\'],
  ['backslash quote', "\\'; DELETE FROM adv.canary; --"],
  ['E literal text', "E'\\x27'"],
  ['doubled double quotes', 'say ""hi"" "there"'],
  ['parameter lookalikes', '$1 $2 $$ $tag$ $0 $99'],
  ['comment lookalikes', '/* -- */ -- x'],
  ['astral', 'cart 😀🛒 𝔘'],
  ['lone surrogate', 'a\uD800b\uDFFFc'],
  ['rtl override', '\u202Egnp.exe'],
  ['line separators', 'a\u2028b\u2029c\r\n\td'],
  ['control characters', '\x01\x07\x1b[31m'],
  ['NULL-looking', 'NULL'],
  ['null-looking', 'null'],
  ['array syntax', '{a,"b",NULL}'],
  ['json with escapes', '{"k":"\\"\\\\\\u0041"}'],
  ['semicolons', 'a; COMMIT; BEGIN; b'],
  ['long', `${"'\\".repeat(50_000)}${'x'.repeat(400_000)}`],
];

type Outcome = { rows: unknown[] } | { code: string | undefined; name: string; status: number };

/** The rows read back, or the error as the HTTP layer would see it (SQLSTATE, class, status). */
async function outcome(work: () => Promise<unknown[]>): Promise<Outcome> {
  try {
    return { rows: await work() };
  } catch (error) {
    return { code: (error as { code?: string }).code, name: (error as Error).name, status: toErrorBody(error).statusCode };
  }
}

/** What both paths must share: the rows, or the SQLSTATE (the plain pg client raises no QueryFailedError). */
const same = (o: Outcome) => ('rows' in o ? o : { code: o.code });
/** Text as UTF-8 carries it: a lone surrogate becomes U+FFFD on either path. */
const asStored = (s: string) => Buffer.from(s).toString();

/**
 * ADVERSARY (units of work on pg directly): the first statement of a transaction travels inlined
 * with BEGIN, the outbox rows with COMMIT. Every hostile value must be stored exactly as the
 * parameterised path stored it (read back and compared), nothing else may run, and the
 * transaction semantics (rollback on a refused outbox row, pool hygiene, wake-ups) must hold.
 */
describeWithNats('adversary: inlined parameters and units of work on pg (real Postgres, real JetStream)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let probe: ProbeService;
  let tx: TransactionRunner;
  const namespace = testNamespace('advsql');

  beforeAll(async () => {
    db = await createTestDatabase('advsql');
    // A database default other than UTF8 (a DBA's setting) must not reach the shop's connections.
    await db.query(`ALTER DATABASE "${db.name}" SET client_encoding = 'LATIN1'`);
    // Polls far apart: a publish within them is the relay woken by the commit.
    app = await startApp((c) => ProbeAppModule.forRoot(c), {
      DATABASE_URL: db.url,
      MESSAGING_NAMESPACE: namespace,
      RELAY_POLL_MIN_MS: '5000',
      RELAY_POLL_MAX_MS: '5000',
    });
    probe = app.get(ProbeService);
    tx = probe.transactions;
    await db.query(`CREATE SCHEMA adv`);
    await db.query(`CREATE TABLE adv.vals (id bigserial PRIMARY KEY, k text, t text, arr text[], j jsonb, b bigint, ts timestamptz)`);
    await db.query(`CREATE TABLE adv.canary (x int)`);
    await db.query(`INSERT INTO adv.canary VALUES (1)`);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await deleteNamespace(namespace);
  });

  afterEach(async () => {
    expect(await db.query('SELECT x FROM adv.canary')).toEqual([{ x: 1 }]);
  });

  /** Writes through a unit of work (first statement: inlined with BEGIN) and through plain parameters; reads both back. */
  async function bothWays(label: string, columns: string, values: unknown[]): Promise<[Outcome, Outcome]> {
    const placeholders = values.map((_, i) => `$${i + 2}`).join(', ');
    const insert = `INSERT INTO adv.vals (k, ${columns}) VALUES ($1, ${placeholders}) RETURNING ${columns}`;
    const read = (k: string) => db.query(`SELECT ${columns} FROM adv.vals WHERE k = $1`, [k]);
    const inlined = await outcome(async () => {
      await tx.run((m) => m.exec(insert, [`${label}/inlined`, ...values]));
      return read(`${label}/inlined`);
    });
    const parameterised = await outcome(async () => {
      await db.query(insert, [`${label}/param`, ...values]);
      return read(`${label}/param`);
    });
    return [inlined, parameterised];
  }

  describe('values inlined with BEGIN are stored as the parameterised path stores them', () => {
    it.each(HOSTILE)('text, text[] and jsonb: %s', async (label, value) => {
      const values = [value, [value, 'NULL', null, 'null', 'a,b', '{x}', '"q"', value], { v: value, [value]: [value] }];
      expect(inlineParams('SELECT $1, $2, $3', values)).toBeDefined();
      const [inlined, parameterised] = await bothWays(label, 't, arr, j', values);
      expect(same(inlined)).toEqual(same(parameterised));
      // JSON escapes a lone surrogate (\ud800), which jsonb refuses on both paths.
      if (asStored(value) !== value) expect(inlined).toMatchObject({ name: 'QueryFailedError', code: '22P02', status: 400 });
      else expect(inlined).toEqual({ rows: [{ t: value, arr: expect.any(Array), j: expect.anything() }] });
    });

    it.each([
      ['NUL in text', ['a\0b'], 't'],
      ['NUL in an array', [['a\0b']], 'arr'],
      ['NUL escaped in JSON', [{ v: 'a\0b' }], 'j'],
      ['lone surrogate escaped in JSON', ['{"v":"\\ud800"}'], 'j'],
    ])('a value Postgres refuses (%s): the same error, a 400, as before', async (label, values, column) => {
      const [inlined, parameterised] = await bothWays(label, column, values);
      expect(same(inlined)).toEqual(same(parameterised));
      expect(inlined).toMatchObject({ name: 'QueryFailedError', status: 400 });
    });

    it.each([
      ['bigint max', '9223372036854775807'],
      ['bigint min', '-9223372036854775808'],
      ['bigint past max', '9223372036854775808'],
      ['a JS bigint', 9007199254740993n],
      ['past safe integers', Number.MAX_SAFE_INTEGER + 2],
      ['exponent form', 1e21],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['negative zero', -0],
      ['a fraction', 0.5],
      ['a numeric-looking string', ' 42 '],
    ])('bigint edge: %s', async (label, value) => {
      const [inlined, parameterised] = await bothWays(label, 'b', [value]);
      expect(same(inlined)).toEqual(same(parameterised));
      if (!('rows' in inlined)) expect(inlined).toMatchObject({ name: 'QueryFailedError', status: 400 });
    });

    it.each([
      ['epoch', new Date(0)],
      ['with milliseconds', new Date('2026-03-29T01:30:00.123Z')],
      ['far future', new Date(8.64e15)],
      ['before the common era', new Date(-62198755200000)],
      ['invalid', new Date(NaN)],
      ['an ISO string', '2026-12-02T12:00:00+14:00'],
    ])('timestamptz: %s', async (label, value) => {
      const [inlined, parameterised] = await bothWays(label, 'ts', [value]);
      expect(same(inlined)).toEqual(same(parameterised));
      if (!('rows' in inlined)) expect(inlined).toMatchObject({ name: 'QueryFailedError', status: 400 });
    });

    it('= ANY($1) with quotes, commas, braces, NULL-looking strings and NULL finds what the parameterised path finds', async () => {
      const texts = HOSTILE.map(([, v]) => v).filter((v) => v.length < 1000);
      await db.query(`INSERT INTO adv.vals (k, t) SELECT 'any', unnest($1::text[])`, [texts]);
      const probes = [texts, [...texts, 'NULL', null, 'null', '', ' ', ','], ['{a,b}', '"', '\\', "'"], []];
      for (const list of probes) {
        const query = `SELECT t FROM adv.vals WHERE k = 'any' AND t = ANY($1) ORDER BY id`;
        expect(inlineParams(query, [list])).toBeDefined();
        const inlined = await tx.run((m) => m.exec(query, [list]));
        expect(inlined.rows).toEqual(await db.query(query, [list]));
      }
    });
  });

  describe('envelopes inlined with COMMIT', () => {
    it.each(HOSTILE)('an aggregate id and a payload of %s are stored as the envelope the outbox returned', async (label, value) => {
      const aggregateId = `${label}:${value}`.slice(0, 200);
      // The unchecked outbox takes any payload: a producer of another version could publish it.
      const writing = probe.writeUnchecked([{ ...probeEvent(aggregateId, 1, 1), payload: { n: 1, s: value, nested: { [value]: [value, null] } } }]);
      if (asStored(value) !== value) {
        // JSON escapes a lone surrogate (\ud800), which jsonb refuses: a 400 as when the insert ran before COMMIT.
        expect(await outcome(() => writing)).toMatchObject({ name: 'QueryFailedError', code: '22P02', status: 400 });
        expect(await db.query(`SELECT 1 FROM probe.outbox WHERE aggregate_id = $1`, [asStored(aggregateId)])).toHaveLength(0);
        return;
      }
      const [envelope] = await writing;
      const [row] = await db.query(`SELECT aggregate_id, envelope FROM probe.outbox WHERE id = $1`, [envelope.id]);
      expect(row.aggregate_id).toBe(aggregateId);
      expect(row.envelope).toEqual(JSON.parse(JSON.stringify(envelope)));
    });

    it('an envelope jsonb refuses (\\u0000 in a string) fails the commit with 400, and the state change rolls back', async () => {
      const marker = '0193c0de-0000-7000-8000-000000000001';
      const failure = tx.run(async (m) => {
        await m.exec('INSERT INTO probe.effects (event_id, n) VALUES ($1, 0)', [marker]);
        await probe.outbox.append(m, [probeEvent('nul\0id', 1, 1)]);
      });
      const seen = await outcome(() => failure.then(() => []));
      expect(seen).toMatchObject({ name: 'QueryFailedError', status: 400 });
      expect(await db.query('SELECT 1 FROM probe.effects WHERE event_id = $1', [marker])).toHaveLength(0);
    });
  });

  describe('transaction semantics', () => {
    it('a refused outbox row (a repeated aggregate version) rolls the state change back; no after-commit callback runs', async () => {
      const marker = '0193c0de-0000-7000-8000-000000000002';
      let called = false;
      const failure = tx.run(async (m) => {
        await m.exec('INSERT INTO probe.effects (event_id, n) VALUES ($1, 0)', [marker]);
        await probe.outbox.append(m, [probeEvent('dup-version', 1, 1), probeEvent('dup-version', 1, 2)]);
        tx.afterCommit(() => (called = true));
      });
      await expect(failure).rejects.toMatchObject({ name: 'QueryFailedError', code: '23505' });
      expect(called).toBe(false);
      expect(await db.query('SELECT 1 FROM probe.effects WHERE event_id = $1', [marker])).toHaveLength(0);
      expect(await db.query(`SELECT 1 FROM probe.outbox WHERE aggregate_id = 'dup-version'`)).toHaveLength(0);
      // The connection went back clean: the next unit of work on the pool commits.
      for (let i = 0; i < 10; i++) await tx.run((m) => m.exec('SELECT 1'));
    });

    it('a statement failing mid-transaction rolls back the statements before it (the inlined first one too)', async () => {
      const failure = tx.run(async (m) => {
        await m.exec(`INSERT INTO adv.vals (k) VALUES ($1)`, ['mid-failure']);
        await m.exec(`INSERT INTO adv.vals (k, b) VALUES ($1, $2)`, ['mid-failure', 'not a number']);
      });
      await expect(failure).rejects.toMatchObject({ name: 'QueryFailedError', code: '22P02' });
      expect(await db.query(`SELECT 1 FROM adv.vals WHERE k = 'mid-failure'`)).toHaveLength(0);
    });

    it('an inlined first statement that fails leaves no transaction open on the pooled connection', async () => {
      await expect(tx.run((m) => m.exec(`INSERT INTO adv.vals (k, b) VALUES ($1, $2)`, ['first-fails', 'x']))).rejects.toMatchObject({ code: '22P02' });
      for (let i = 0; i < 10; i++) {
        const [{ status }] = (await tx.single((m) => m.exec<{ status: string }>(`SELECT current_setting('transaction_isolation') AS status, now() = statement_timestamp() AS s`))).rows;
        expect(status).toBeDefined();
      }
      // Outside a transaction now() moves with each statement: no pooled connection stayed inside one.
      const rows = await Promise.all(Array.from({ length: 8 }, () => tx.single((m) => m.exec<{ idle: boolean }>(`SELECT now() = statement_timestamp() AS idle`))));
      expect(rows.map((r) => r.rows[0].idle)).toEqual(Array(8).fill(true));
    });

    it('a unit of work that swallows a statement error does not report a commit that did not happen', async () => {
      let called = false;
      const swallowed = tx.run(async (m) => {
        await m.exec(`INSERT INTO adv.vals (k) VALUES ($1)`, ['swallowed']);
        await m.exec(`SELECT 1/0`).catch(() => undefined);
        tx.afterCommit(() => (called = true));
      });
      // Postgres answers COMMIT of an aborted transaction with ROLLBACK, not an error.
      await expect(swallowed).rejects.toThrow();
      expect(called).toBe(false);
      expect(await db.query(`SELECT 1 FROM adv.vals WHERE k = 'swallowed'`)).toHaveLength(0);
    });

    it('execMany sends its statements in one round trip with hostile values stored as given, results in order, each seeing the ones before', async () => {
      const [label, value] = HOSTILE[2];
      const results = await tx.run((m) =>
        m.execMany([
          [`INSERT INTO adv.vals (k, t) VALUES ($1, $2) RETURNING t`, [`many/${label}`, value]],
          [`SELECT count(*)::int AS n FROM adv.vals WHERE k = $1`, [`many/${label}`]],
          [`SELECT $1::text AS echo`, [HOSTILE[5][1]]],
        ]),
      );
      expect(results.map((r) => r.rows)).toEqual([[{ t: value }], [{ n: 1 }], [{ echo: HOSTILE[5][1] }]]);
      expect(await db.query(`SELECT t FROM adv.vals WHERE k = $1`, [`many/${label}`])).toEqual([{ t: value }]);
    });

    it('execMany: a failing statement fails the round trip, and nothing of the unit of work commits', async () => {
      const failure = tx.run((m) =>
        m.execMany([
          [`INSERT INTO adv.vals (k) VALUES ($1)`, ['many-fails']],
          [`INSERT INTO adv.vals (k, b) VALUES ($1, $2)`, ['many-fails', 'not a number']],
        ]),
      );
      await expect(failure).rejects.toMatchObject({ name: 'QueryFailedError', code: '22P02' });
      expect(await db.query(`SELECT 1 FROM adv.vals WHERE k = 'many-fails'`)).toHaveLength(0);
    });

    it('execMany: a read after a lock in the same round trip sees what committed while it waited for the lock', async () => {
      const holder = new Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query(`BEGIN; SELECT pg_advisory_xact_lock(4242)`);
        const reading = tx.run((m) =>
          m.execMany([
            [`SELECT pg_advisory_xact_lock($1)`, [4242]],
            [`SELECT count(*)::int AS n FROM adv.vals WHERE k = $1`, ['committed-under-lock']],
          ]),
        );
        await new Promise((r) => setTimeout(r, 200));
        await holder.query(`INSERT INTO adv.vals (k) VALUES ('committed-under-lock'); COMMIT`);
        const [, read] = await reading;
        expect(read.rows).toEqual([{ n: 1 }]);
      } finally {
        await holder.end();
      }
    });

    it('a leading statement goes with the first statement; a failing one fails that round trip and everything in it', async () => {
      await tx.run(async (m) => {
        const lead = m.lead(`INSERT INTO adv.vals (k) VALUES ('lead-ok')`);
        expect(lead.sent()).toBe(false);
        await m.exec(`SELECT 1`);
        expect(lead.sent()).toBe(true);
        await lead.answer();
      });
      expect(await db.query(`SELECT 1 FROM adv.vals WHERE k = 'lead-ok'`)).toHaveLength(1);
      const failing = tx.run(async (m) => {
        const lead = m.lead(`INSERT INTO adv.vals (k, b) VALUES ('lead-bad', 'x')`);
        await m.exec(`INSERT INTO adv.vals (k) VALUES ($1)`, ['after-bad-lead']).catch(() => undefined);
        await expect(lead.answer()).rejects.toMatchObject({ code: '22P02' });
      });
      await expect(failing).rejects.toThrow();
      expect(await db.query(`SELECT 1 FROM adv.vals WHERE k IN ('lead-bad', 'after-bad-lead')`)).toHaveLength(0);
    });

    it('a last write answered at the commit: its answer comes once committed, and a rolled-back unit rejects it', async () => {
      let answer: Promise<unknown> | undefined;
      let seenInside = -1;
      await tx.run(async (m) => {
        answer = sql.laterAnswered(m, `INSERT INTO adv.vals (k, t) VALUES ($1, $2) RETURNING t`, ['answered', HOSTILE[0][1]]);
        seenInside = (await m.exec(`SELECT 1 FROM adv.vals WHERE k = 'answered'`)).rows.length;
      });
      expect(seenInside).toBe(0);
      await expect(answer).resolves.toEqual({ rows: [{ t: HOSTILE[0][1] }], affected: 1 });
      let refused: Promise<unknown> | undefined;
      await expect(
        tx.run(async (m) => {
          refused = sql.laterAnswered(m, `INSERT INTO adv.vals (k) VALUES ($1)`, ['answered-rolled-back']);
          throw new Error('the unit of work fails');
        }),
      ).rejects.toThrow('the unit of work fails');
      await expect(refused).rejects.toThrow(/rolled back/);
      expect(await db.query(`SELECT 1 FROM adv.vals WHERE k = 'answered-rolled-back'`)).toHaveLength(0);
    });

    it('an answer read only after its unit rolled back, a round trip later, is no unhandled rejection', async () => {
      // Node ends a process on an unhandled rejection, and jest fails the running test on one (its
      // handler on the real process; a listener added here would sit on the suite's own copy of
      // `process` and hear nothing): without the answer marked handled, this test fails there.
      for (const params of [['late-inlined'], [{ not: 'inlinable' }]]) {
        let late: Promise<unknown> | undefined;
        await expect(
          tx.run(async (m) => {
            late = sql.laterAnswered(m, `INSERT INTO adv.vals (k) VALUES ($1::text)`, params);
            await m.exec(`SELECT 1`); // begun: the ROLLBACK is a round trip of its own
            throw new Error('the unit of work fails');
          }),
        ).rejects.toThrow('the unit of work fails');
        await new Promise((r) => setTimeout(r, 20));
        await expect(late).rejects.toThrow(/rolled back/);
      }
    });

    it('a leading statement that nothing carried goes with the COMMIT', async () => {
      await tx.run(async (m) => void m.lead(`INSERT INTO adv.vals (k) VALUES ('lead-at-commit')`));
      expect(await db.query(`SELECT 1 FROM adv.vals WHERE k = 'lead-at-commit'`)).toHaveLength(1);
    });

    it('single() refuses a second statement; nested run and single join the open transaction', async () => {
      await expect(tx.single(async (m) => (await m.exec('SELECT 1'), m.exec('SELECT 2')))).rejects.toThrow(/second statement/);
      const failure = tx.run(async (outer) => {
        await outer.exec(`INSERT INTO adv.vals (k) VALUES ('nested')`);
        await tx.run(async (inner) => {
          expect(inner).toBe(outer);
          await inner.exec(`INSERT INTO adv.vals (k) VALUES ('nested')`);
        });
        await tx.single(async (inner) => {
          expect(inner).toBe(outer);
          await inner.exec(`INSERT INTO adv.vals (k) VALUES ('nested')`);
          await inner.exec(`INSERT INTO adv.vals (k) VALUES ('nested')`);
        });
        expect((await outer.exec(`SELECT count(*)::int AS n FROM adv.vals WHERE k = 'nested'`)).rows).toEqual([{ n: 4 }]);
        throw new Error('roll everything back');
      });
      await expect(failure).rejects.toThrow('roll everything back');
      expect(await db.query(`SELECT 1 FROM adv.vals WHERE k = 'nested'`)).toHaveLength(0);
    });

    it('after-commit callbacks run after the commit, when the rows are visible to others', async () => {
      const seen: number[] = [];
      const visible = new Promise<number>((resolve) =>
        void tx.run(async (m) => {
          await m.exec(`INSERT INTO adv.vals (k) VALUES ('after-commit')`);
          tx.afterCommit(() => void db.query(`SELECT 1 FROM adv.vals WHERE k = 'after-commit'`).then((r) => resolve(r.length)));
          seen.push((await db.query(`SELECT 1 FROM adv.vals WHERE k = 'after-commit'`)).length);
        }),
      );
      expect(await visible).toBe(1);
      expect(seen).toEqual([0]);
    });

    it('the relay is woken by the commit: a hop does not wait for a poll (polls 5 s apart)', async () => {
      // Let the relay fall asleep on its long poll first.
      await new Promise((r) => setTimeout(r, 1_500));
      const started = Date.now();
      const [event] = await probe.write([probeEvent('woken', 1, 3)]);
      await waitFor('published', async () => (await db.query('SELECT 1 FROM probe.outbox WHERE id = $1 AND published_at IS NOT NULL', [event.id])).length === 1, {
        timeoutMs: 4_000,
        intervalMs: 20,
      });
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('a connection that breaks mid-commit fails the unit of work and is not pooled again', async () => {
      const pool = poolOf(tx.dataSource);
      const failure = tx.run(async (m) => {
        const [{ pid }] = (await m.exec<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
        await probe.outbox.append(m, [probeEvent('broken-commit', 1, 1)]);
        await db.query('SELECT pg_terminate_backend($1)', [pid]);
      });
      await expect(failure).rejects.toThrow();
      expect(await db.query(`SELECT 1 FROM probe.outbox WHERE aggregate_id = 'broken-commit'`)).toHaveLength(0);
      // Every pooled connection still answers: the broken one was dropped.
      const all = Array.from({ length: pool.options.max ?? 8 }, () => tx.run((m) => m.exec('SELECT 1 AS one')));
      expect((await Promise.all(all)).map((r) => r.rows)).toEqual(Array(all.length).fill([{ one: 1 }]));
    });

    it('a pool with no connection free within its wait: 503, as before', async () => {
      const pool = poolOf(tx.dataSource);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const held = Array.from({ length: pool.options.max ?? 8 }, () => tx.run(async (m) => (await m.exec('SELECT 1'), gate)));
      const starved = await outcome(async () => (await tx.single((m) => m.exec('SELECT 1'))).rows);
      release();
      await Promise.all(held);
      expect(starved).toMatchObject({ status: 503 });
    }, 30_000);

    it('a single statement whose connection is terminated: 503, and the connection is not pooled again', async () => {
      const seen = await outcome(async () => (await tx.single((m) => m.exec('SELECT pg_terminate_backend(pg_backend_pid())'))).rows);
      expect(seen).toMatchObject({ status: 503 });
      const all = Array.from({ length: 8 }, () => tx.single((m) => m.exec('SELECT 1 AS one')));
      expect((await Promise.all(all)).map((r) => r.rows)).toEqual(Array(8).fill([{ one: 1 }]));
    });
  });

  describe('settings that change how literals are read', () => {
    let client: Client;
    beforeAll(async () => {
      client = new Client({ connectionString: db.url, client_encoding: 'UTF8' });
      await client.connect();
    });
    afterAll(() => client.end());

    it.each(['on', 'off'])('standard_conforming_strings=%s: an inlined value reads back as its parameter', async (setting) => {
      await client.query(`SET standard_conforming_strings = ${setting}`);
      for (const [, value] of HOSTILE) {
        const text = inlineParams('SELECT $1::text AS v, $2::text[] AS a', [value, [value, 'NULL', null]])!;
        const [{ v, a }] = (await client.query(text)).rows;
        const [expected] = (await client.query('SELECT $1::text AS v, $2::text[] AS a', [value, [value, 'NULL', null]])).rows;
        expect({ v, a }).toEqual(expected);
      }
    });

    it("client_encoding is UTF8 on the shop's connections (pg's startup sends it): a database default of another encoding does not reach them", async () => {
      const [{ client_encoding }] = (await tx.single((m) => m.exec<{ client_encoding: string }>('SHOW client_encoding'))).rows;
      expect(client_encoding).toBe('UTF8');
    });
  });
});

/** The same values through the shop's HTTP edge, its events and its consumers (in-process transport, no broker). */
describe('adversary: hostile values through the shop, in-process (real Postgres)', () => {
  const world = new InProcessShop('advsql_ip', { NATS_URL: '' });
  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  it.each(HOSTILE.filter(([, v]) => v.length <= 200).map(([label, v], i) => [label, v, `ADV-${i}`]))(
    'a product named with %s is stored, answered and carried to the catalog as sent',
    async (_label, name, sku) => {
      const registered = await world.http('POST', '/inventory/products', { sku, name, priceCents: 100, quantity: 1 });
      expect(registered.status).toBe(201);
      await world.catalogHas(sku, 1);
      expect((await world.http('GET', `/inventory/products/${sku}`)).body.name).toBe(asStored(name));
      const [stored] = await world.db.query(`SELECT name FROM inventory.products WHERE sku = $1`, [sku]);
      expect(stored.name).toBe(asStored(name));
      const [envelope] = await world.db.query(`SELECT envelope FROM inventory.outbox WHERE aggregate_id = $1`, [sku]);
      expect(envelope.envelope.payload.name).toBe(asStored(name));
    },
  );

  it('a product name with a NUL is a 400 with nothing stored, and the shop goes on', async () => {
    const answer = await world.http('POST', '/inventory/products', { sku: 'ADV-NUL', name: 'a\u0000b', priceCents: 100, quantity: 1 });
    expect(answer.status).toBe(400);
    expect(await world.db.query(`SELECT 1 FROM inventory.products WHERE sku = 'ADV-NUL'`)).toHaveLength(0);
    expect(await world.db.query(`SELECT 1 FROM inventory.outbox WHERE aggregate_id = 'ADV-NUL'`)).toHaveLength(0);
    await world.registerProduct('ADV-AFTER-NUL', 100, 1);
  });

  it("an order with a quoted e-mail and an Idempotency-Key of quotes, backslashes and $1 replays as itself and confirms", async () => {
    await world.registerProduct('ADV-ORDER', 100, 10);
    const key = `k'"\\$1$$--/*;${"'".repeat(40)}`;
    const order = { customerId: '0193a2b4-0000-7000-8000-00000000ad01', customerEmail: "o'brien+x@example.com", items: [{ sku: 'ADV-ORDER', quantity: 1 }], paymentToken: 'tok_visa' };
    const first = await world.http('POST', '/orders', order, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const again = await world.http('POST', '/orders', order, { 'idempotency-key': key });
    expect(again.body.orderId).toBe(first.body.orderId);
    expect(await world.finalOrder(first.body.orderId)).toMatchObject({ status: 'CONFIRMED', customerEmail: order.customerEmail });
  });
});
