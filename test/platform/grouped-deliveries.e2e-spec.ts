import { randomUUID } from 'node:crypto';
import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { Client } from 'pg';
import { sql } from '../../src/platform/database/sql';
import { SqlTransaction } from '../../src/platform/database/sql-transaction';
import { Delivery, EventDispatcher } from '../../src/platform/messaging/event-dispatcher';
import { tracingSwitch } from '../../src/platform/observability/tracing/tracing-switch';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { waitFor } from '../support/wait-for';

/**
 * Deliveries of one durable run as a group in one transaction (what JetStreamServer does under
 * load), and anything that fails in it makes each run alone as before: its own duplicate check,
 * failure count and backoff. The dispatcher is driven directly, against real Postgres.
 */
describe('grouped deliveries (real Postgres)', () => {
  const world = new ProbeWorld('groups');
  let dispatcher: EventDispatcher;
  let template: Record<string, unknown>;

  beforeAll(async () => {
    await world.setUp();
    const app = await world.start({ NATS_URL: '' });
    dispatcher = app.get(EventDispatcher);
    const [seen] = await world.probe(app).write([probeEvent('t', 1, 0)]);
    await waitFor('the template delivery', async () => (await effects(seen.id)) === 1);
    const [row] = await world.db.query<{ raw: string }>('SELECT envelope::text AS raw FROM probe.outbox WHERE id = $1', [seen.id]);
    template = JSON.parse(row.raw);
  });
  afterAll(() => world.tearDown());

  const effects = (id: string) => world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [id]);
  const failures = (id: string) => world.count('SELECT 1 FROM probe.delivery_failure WHERE event_id = $1', [id]);
  /** Made here and never published: no background delivery races the ones below. */
  const events = (ns: number[]) => ns.map((n) => ({ ...template, id: randomUUID(), aggregateId: `g${n}`, payload: { n } }) as { id: string });
  const group = (list: { id: string }[]): Delivery[] => list.map((e) => ({ raw: JSON.stringify(e), delivery: 1, enter: (work) => work() }));
  /** As JetStreamServer runs a group: those the group could not keep run alone (side by side). */
  const all = async (list: { id: string }[]) => {
    const grouped = await dispatcher.dispatchGroup('probe', 'probe.ThingHappened', group(list));
    const alone = (n: number) => dispatcher.dispatch('probe', 'probe.ThingHappened', JSON.stringify(list[n]), 1);
    const outcomes = await Promise.all(grouped.map((outcome, n) => outcome ?? alone(n)));
    return { outcomes, fellBack: grouped.includes(undefined) };
  };

  it('commits a group in one transaction: each effect once, every inbox row written by the same transaction', async () => {
    const list = events([101, 102, 103, 104]);
    const { outcomes, fellBack } = await all(list);
    expect(fellBack).toBe(false);
    expect(outcomes).toEqual(list.map(() => ({ kind: 'ack', duplicate: false })));
    for (const e of list) expect(await effects(e.id)).toBe(1);
    const xids = await world.db.query<{ xmin: string }>('SELECT DISTINCT xmin::text FROM probe.inbox WHERE event_id = ANY($1::uuid[])', [list.map((e) => e.id)]);
    expect(xids).toHaveLength(1);
  });

  it('a failing member rolls the group back; the others then commit alone, and only it is counted as a failure', async () => {
    await world.db.query('CREATE UNIQUE INDEX effects_n_once ON probe.effects (n) WHERE n >= 200');
    try {
      await world.db.query(`INSERT INTO probe.effects (event_id, n) VALUES ($1, 202)`, [randomUUID()]);
      const list = events([201, 202, 203]);
      const { outcomes, fellBack } = await all(list);
      expect(fellBack).toBe(true);
      expect(outcomes[0]).toEqual({ kind: 'ack', duplicate: false });
      expect(outcomes[1]).toMatchObject({ kind: 'retry', counted: true });
      expect(outcomes[2]).toEqual({ kind: 'ack', duplicate: false });
      expect([await effects(list[0].id), await effects(list[1].id), await effects(list[2].id)]).toEqual([1, 0, 1]);
      expect([await failures(list[0].id), await failures(list[1].id), await failures(list[2].id)]).toEqual([0, 1, 0]);
    } finally {
      await world.db.query('DROP INDEX probe.effects_n_once');
    }
  });

  it('a repeat in a group acks as a duplicate and keeps nothing twice; the fresh ones commit once', async () => {
    const [seen, ...fresh] = events([301, 302, 303]);
    expect(await dispatcher.dispatch('probe', 'probe.ThingHappened', JSON.stringify(seen), 1)).toEqual({ kind: 'ack', duplicate: false });
    const { outcomes } = await all([fresh[0], seen, fresh[1]]);
    expect(outcomes).toEqual([{ kind: 'ack', duplicate: false }, { kind: 'ack', duplicate: true }, { kind: 'ack', duplicate: false }]);
    for (const e of [seen, ...fresh]) expect(await effects(e.id)).toBe(1);
    expect(await failures(seen.id)).toBe(0);
  });

  it('a group never waits on a row lock for long: past the lock timeout each runs alone, and only the one held waits for the lock', async () => {
    await world.db.query('CREATE UNIQUE INDEX effects_n_lock ON probe.effects (n) WHERE n >= 400');
    const blocker = new Client({ connectionString: world.db.url });
    await blocker.connect();
    try {
      // An uncommitted row with the same key: the group's insert must wait for this transaction.
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO probe.effects (event_id, n) VALUES ($1, 402)`, [randomUUID()]);
      const list = events([401, 402, 403]);
      const running = all(list);
      await waitFor('the others of the group, alone', async () => (await effects(list[0].id)) + (await effects(list[2].id)) === 2, { timeoutMs: 5_000, intervalMs: 20 });
      await blocker.query('ROLLBACK');
      const { outcomes, fellBack } = await running;
      expect(fellBack).toBe(true);
      expect(outcomes).toEqual(list.map(() => ({ kind: 'ack', duplicate: false })));
      for (const e of list) expect(await effects(e.id)).toBe(1);
    } finally {
      await blocker.end();
      await world.db.query('DROP INDEX probe.effects_n_lock');
    }
  });

  it('a member that breaks its contract is parked alone; the rest commit together', async () => {
    const [good1, bad, good2] = events([501, 502, 503]);
    const broken = { ...bad, occurredAt: 'not a date' };
    const { outcomes, fellBack } = await all([good1, broken, good2]);
    expect(fellBack).toBe(false);
    expect(outcomes.map((o) => o.kind)).toEqual(['ack', 'dead-lettered', 'ack']);
    expect(await world.count('SELECT 1 FROM probe.dead_letter WHERE event_id = $1', [bad.id])).toBe(1);
    expect([await effects(good1.id), await effects(bad.id), await effects(good2.id)]).toEqual([1, 0, 1]);
  });

  it('a later event of a group reads what an earlier one wrote with the COMMIT (no lost update)', async () => {
    await world.db.query('CREATE TABLE IF NOT EXISTS probe.tally (id int PRIMARY KEY, v int NOT NULL)');
    await world.db.query('INSERT INTO probe.tally VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET v = 0');
    const tx = world.messaging(world.apps[0]).transactions;
    const unit = async () =>
      tx.run(async (m) => {
        const [{ v }] = (await m.exec<{ v: number }>('SELECT v FROM probe.tally WHERE id = 1 FOR UPDATE')).rows;
        await sql.later(m, 'UPDATE probe.tally SET v = $1 WHERE id = 1', [v + 1]);
      });
    // Five units joined into one transaction, as a group's handlers are.
    await tx.run(async (m) => {
      for (let i = 0; i < 5; i++) {
        await unit();
        await (m as SqlTransaction).flushTail();
      }
    });
    expect(await world.count('SELECT 1 FROM probe.tally WHERE id = 1 AND v = 5')).toBe(1);
  });

  // Last: tracing stays switched on in this process (with the API disabled after, spans are no-ops).
  it("a group's spans end with its transaction: those of a group that rolled back say so, each solo run has its own", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    tracingSwitch.turnOn();
    await world.db.query('CREATE UNIQUE INDEX effects_n_spans ON probe.effects (n) WHERE n >= 600');
    try {
      await world.db.query(`INSERT INTO probe.effects (event_id, n) VALUES ($1, 602)`, [randomUUID()]);
      const together = events([611, 612]);
      const broken = events([601, 602, 603]);
      expect((await all(together)).fellBack).toBe(false);
      expect((await all(broken)).fellBack).toBe(true);
      const spansOf = (id: string, count = 1) =>
        waitFor(`${count} span(s) of ${id}`, () => {
          const mine = exporter.getFinishedSpans().filter((s) => s.attributes['messaging.message.id'] === id);
          return mine.length >= count ? mine : undefined;
        });
      const grouped = (s: ReadableSpan) => s.attributes['shop.delivery.group_size'] !== undefined;
      for (const e of together) {
        const spans = (await spansOf(e.id))!;
        expect(spans.map((s) => [s.attributes['shop.delivery.group_size'], s.status.code])).toEqual([[2, SpanStatusCode.UNSET]]);
      }
      // 601 ran in the group and committed alone; 602 failed both ways; 603 never ran in the group (it stopped at 602).
      const [first, failing, after] = await Promise.all(broken.map((e, n) => spansOf(e.id, n < 2 ? 2 : 1)));
      expect([first!.length, failing!.length, after!.length]).toEqual([2, 2, 1]);
      const inGroup = (spans: ReadableSpan[]) => spans.find(grouped)!;
      const alone = (spans: ReadableSpan[]) => spans.find((s) => !grouped(s))!;
      expect(inGroup(first!).attributes['shop.delivery.group_size']).toBe(3);
      expect(inGroup(first!).status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringMatching(/rolled back with its group.*effects_n_spans/) });
      expect(alone(first!).status.code).toBe(SpanStatusCode.UNSET);
      // The member whose own handler failed says why, grouped and alone.
      expect(inGroup(failing!).status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringMatching(/^duplicate key .*effects_n_spans/) });
      expect(alone(failing!).status.code).toBe(SpanStatusCode.ERROR);
      expect(after!.map((s) => [grouped(s), s.status.code])).toEqual([[false, SpanStatusCode.UNSET]]);
    } finally {
      await world.db.query('DROP INDEX probe.effects_n_spans');
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    }
  });
});
