import { connect } from 'nats';
import { orderPlacedEnvelope } from '../support/envelopes';
import { AppProcess } from '../support/shop/app-process';
import { InProcessShop } from '../support/shop/in-process-shop';
import { describeWithNats } from '../support/requires-nats';
import { deleteNamespace, NATS_URL } from '../support/test-broker';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const ORDERS = 100;
const FOUR_HOPS = ['orders.OrderPlaced', 'inventory.StockReserved', 'payments.PaymentCaptured', 'orders.OrderConfirmed'];
const HEADERS = `event_id, type, version, producer, aggregate_type, aggregate_id, correlation_id, causation_id, occurred_at, stream, stream_seq`;

/** Every event on the namespace's streams: what an activity module that read them all must hold. */
async function streamTotal(namespace: string): Promise<number> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    let total = 0;
    for await (const s of jsm.streams.list()) if (s.config.name.startsWith(`${namespace.toUpperCase()}_`)) total += s.state.messages;
    return total;
  } finally {
    await nc.close();
  }
}

/** A first start of activity elsewhere: no durable of its own on any stream. */
async function deleteActivityDurables(namespace: string): Promise<number> {
  const nc = await connect({ servers: NATS_URL });
  let deleted = 0;
  try {
    const jsm = await nc.jetstreamManager();
    for await (const s of jsm.streams.list()) {
      if (!s.config.name.startsWith(`${namespace.toUpperCase()}_`)) continue;
      for await (const c of jsm.consumers.list(s.config.name)) {
        if (c.name === 'activity-all' && (await jsm.consumers.delete(s.config.name, c.name))) deleted++;
      }
    }
  } finally {
    await nc.close();
  }
  return deleted;
}

const MYSTERY = {
  id: '0193a2b4-0000-7000-8000-0000000000aa',
  type: 'orders.OrderLost',
  version: 9,
  occurredAt: '2099-01-01T00:00:00.000Z',
  aggregateType: 'Order',
  aggregateId: 'x',
  causationId: 'y',
  payload: { anything: true },
};

const POISON_ORDER = '0193a2b4-0000-7000-8000-0000000000bb';
const POISON = orderPlacedEnvelope(2, POISON_ORDER, { items: [] });

const eventCount = async (db: TestDatabase) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM activity.event'))[0].n;

describeWithNats('activity: timelines from the streams alone (JetStream)', () => {
  const shop = new InProcessShop('activity');
  let late: AppProcess | undefined;
  let lateDb: TestDatabase | undefined;
  const orderIds: string[] = [];
  const timelines = new Map<string, any>();
  let monolithClosed = false;

  beforeAll(async () => {
    await shop.setUp();
    await shop.registerProduct('ACT-1', 500, 10_000);
    for (let i = 0; i < ORDERS; i += 10) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => shop.placeOrder([{ sku: 'ACT-1', quantity: 1 }])));
      for (const a of answers) {
        expect(a.status).toBe(201);
        orderIds.push(a.body.orderId);
      }
    }
    const finals = await shop.finalOrders(orderIds, 60_000);
    expect(finals.every((o) => o.status === 'CONFIRMED')).toBe(true);
  });

  afterAll(async () => {
    await late?.stop();
    if (monolithClosed) {
      await shop.db.drop();
      await deleteNamespace(shop.namespace);
    } else {
      await shop.tearDown();
    }
    await lateDb?.drop();
  });

  it('given the monolith with activity from the start, then a confirmed order lists its four hops in causal order', async () => {
    // A type and version no contract knows, and a message that is no envelope: recorded and skipped, never parked.
    const nc = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    await js.publish(`${shop.namespace}.orders.OrderLost`, JSON.stringify({ ...MYSTERY, correlationId: orderIds[1] }), { msgID: MYSTERY.id });
    await js.publish(`${shop.namespace}.orders.Garbage`, 'not an envelope', { msgID: 'not-an-envelope' });
    // An OrderPlaced its readers cannot take (no lines, no customer): each of them parks it.
    await js.publish(`${shop.namespace}.orders.OrderPlaced`, JSON.stringify(POISON), { msgID: POISON.id });
    await nc.close();
    const total: number = await waitFor('the settled streams', async () => {
      const n = await streamTotal(shop.namespace);
      await new Promise((r) => setTimeout(r, 300));
      return n === (await streamTotal(shop.namespace)) ? n : 0;
    });
    await waitFor(`activity holds all ${total - 1} envelopes`, async () => (await eventCount(shop.db)) === total - 1, { timeoutMs: 30_000 });
    expect(await shop.db.query('SELECT count(*)::int AS n FROM activity.dead_letter')).toEqual([{ n: 0 }]);
    const poisoned = await waitFor('three dead letters on the poison timeline', async () => {
      const { body } = await shop.http('GET', `/orders/${POISON_ORDER}/timeline`);
      return body?.events?.[0]?.consumers?.length === 3 && body.events[0];
    });
    expect(poisoned.consumers.map((c: any) => `${c.consumer} ${c.outcome} ${c.seen}`)).toEqual([
      'inventory dead-lettered observed',
      'notifications dead-lettered observed',
      'payments dead-lettered observed',
    ]);
    const mystery = (await shop.http('GET', `/orders/${orderIds[1]}/timeline`)).body.events.at(-1);
    expect(mystery).toMatchObject({ id: MYSTERY.id, type: 'orders.OrderLost', version: 9, producer: 'orders' });

    for (const id of orderIds) {
      const { status, body } = await shop.http('GET', `/orders/${id}/timeline`);
      expect(status).toBe(200);
      timelines.set(id, body);
    }
    const timeline = timelines.get(orderIds[0]);
    expect(timeline.events.map((e: any) => e.type)).toEqual(FOUR_HOPS);
    // Causal order: each event's cause, when it is in the timeline, comes before it.
    timeline.events.forEach((e: any, i: number) => {
      const cause = timeline.events.findIndex((c: any) => c.id === e.causationId && c.id !== e.id);
      if (cause >= 0) expect(cause).toBeLessThan(i);
    });
    expect(timeline.events[1].causationId).toBe(timeline.events[0].id);
    expect(timeline.events[3].causationId).toBe(timeline.events[2].id);
    expect(timeline.events.every((e: any) => e.correlationId === orderIds[0] && e.stream && e.streamSeq > 0)).toBe(true);
    // In the monolith every consumer ran in this process: each hop's readers were seen processing it.
    const readers = timeline.events.map((e: any) => e.consumers.filter((c: any) => c.seen === 'observed').map((c: any) => c.consumer));
    expect(readers).toEqual([['inventory', 'notifications', 'payments'], ['payments'], ['orders'], ['inventory', 'notifications']]);
    expect(JSON.stringify([...timelines.values()])).not.toContain('example.com');
  });

  it('given 100 orders already through, when activity first starts as its own process, then it builds the same timelines', async () => {
    const reference = await shop.db.query(`SELECT ${HEADERS} FROM activity.event ORDER BY event_id`);
    await shop.app.close();
    monolithClosed = true;
    expect(await deleteActivityDurables(shop.namespace)).toBeGreaterThanOrEqual(3);

    lateDb = await createTestDatabase('activity_late');
    late = await new AppProcess('activity', {
      APP_MODULES: 'activity',
      DATABASE_URL: lateDb.url,
      NATS_URL,
      MESSAGING_NAMESPACE: shop.namespace,
      PRUNE_INTERVAL_MS: '200',
    }).start();
    await waitFor(`the late activity holds all ${reference.length} events`, async () => (await eventCount(lateDb!)) === reference.length, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(await lateDb.query(`SELECT ${HEADERS} FROM activity.event ORDER BY event_id`)).toEqual(reference);

    for (const id of orderIds) {
      const answer = await fetch(`${late.url}/orders/${id}/timeline`);
      expect(answer.status).toBe(200);
      const body: any = await answer.json();
      const ids = (t: any) => t.events.map((e: any) => `${e.type}:${e.id}`);
      expect(ids(body)).toEqual(ids(timelines.get(id)));
    }
    // Alone, it saw no delivery: what consumers did is known from the events they caused.
    const first: any = await (await fetch(`${late.url}/orders/${orderIds[0]}/timeline`)).json();
    expect(first.events[0].consumers).toEqual([expect.objectContaining({ consumer: 'inventory', seen: 'caused' })]);
  });

  it('keeps what the streams keep: rows older than STREAM_MAX_AGE_MS are pruned, the rest stay', async () => {
    const before = await eventCount(lateDb!);
    await lateDb!.query(
      `INSERT INTO activity.event (event_id, type, producer, occurred_at, recorded_at) VALUES ('old-1', 'orders.OrderPlaced', 'orders', now() - interval '8 days', now() - interval '8 days')`,
    );
    await lateDb!.query(`INSERT INTO activity.delivery (event_id, consumer, outcome, at) VALUES ('old-1', 'payments', 'processed', now() - interval '8 days')`);
    await waitFor('the old rows pruned', async () => (await lateDb!.query(`SELECT 1 FROM activity.event WHERE event_id = 'old-1'`)).length === 0);
    await waitFor('the old delivery pruned', async () => (await lateDb!.query(`SELECT 1 FROM activity.delivery WHERE event_id = 'old-1'`)).length === 0);
    expect(await eventCount(lateDb!)).toBe(before);
  });

  it('answers 404 for an order it never saw and 400 for an id that is not a UUID', async () => {
    expect(late).toBeDefined();
    expect((await fetch(`${late!.url}/orders/0193a2b4-0000-7000-8000-00000000ffff/timeline`)).status).toBe(404);
    const bad = await fetch(`${late!.url}/orders/not-an-id/timeline`);
    expect(bad.status).toBe(400);
  });
});
