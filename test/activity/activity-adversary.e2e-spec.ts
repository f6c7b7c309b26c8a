import { connect } from 'nats';
import { orderTag } from '../../src/modules/activity/http/live-feed';
import { InProcessShop } from '../support/shop/in-process-shop';
import { describeWithNats } from '../support/requires-nats';
import { NATS_URL } from '../support/test-broker';
import { MessagingNames } from '../../src/platform/messaging/naming';
import { waitFor } from '../support/wait-for';

/** Envelopes a broken or hostile producer could put on a stream: each a value Postgres refuses as it came. */
const CORRELATION = '0193a2b4-0000-7000-8000-0000000000cc';
const hostile = (n: number, fields: Record<string, unknown>) => ({
  id: `0193a2b4-0000-7000-8000-00000000c${String(n).padStart(3, '0')}`,
  type: 'orders.OrderNoted',
  version: 1,
  occurredAt: '2026-01-01T00:00:00.000Z',
  aggregateType: 'Order',
  aggregateId: CORRELATION,
  correlationId: CORRELATION,
  payload: {},
  ...fields,
});
const HOSTILE = [
  hostile(1, { aggregateId: 'a\u0000b' }),
  hostile(2, { version: 2 ** 40 }),
  hostile(3, { occurredAt: '+275760-09-13T00:00:00.000Z' }),
  hostile(4, { occurredAt: '0000-01-01T00:00:00.000Z' }),
  hostile(5, { type: 'orders.Order\u0000Noted' }),
  hostile(6, {}),
];

const unpublished = async (shop: InProcessShop) =>
  (
    await shop.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM orders.outbox WHERE published_at IS NULL)
            + (SELECT count(*) FROM inventory.outbox WHERE published_at IS NULL)
            + (SELECT count(*) FROM payments.outbox WHERE published_at IS NULL) AS n`,
    )
  )[0].n;

describe('activity under attack: in-process transport', () => {
  const shop = new InProcessShop('activity_broken', { NATS_URL: '' });
  beforeAll(() => shop.setUp());
  afterAll(() => shop.tearDown());

  it('given an anonymous client on /flow/events, when an order goes through, then it sees the hops but never the order id (the key to GET /orders/:id)', async () => {
    await shop.registerProduct('ADV-0', 500, 10);
    const controller = new AbortController();
    const answer = await fetch(`${await shop.app.getUrl()}/flow/events`, { signal: controller.signal });
    const reader = answer.body!.getReader();
    const placed = await shop.placeOrder([{ sku: 'ADV-0', quantity: 1 }]);
    const tag = orderTag(placed.body.orderId)!;
    let seen = '';
    try {
      while ((seen.match(new RegExp(tag, 'g')) ?? []).length < 4) seen += new TextDecoder().decode((await reader.read()).value);
    } finally {
      controller.abort();
    }
    expect(seen).not.toContain(placed.body.orderId);
    expect(seen).not.toContain('example.com');
  });

  it('given activity cannot record (its table renamed), when an order goes through, then every outbox row of the others is published', async () => {
    await shop.registerProduct('ADV-1', 500, 10);
    await shop.db.query('ALTER TABLE activity.event RENAME TO event_gone');
    const placed = await shop.placeOrder([{ sku: 'ADV-1', quantity: 1 }]);
    expect(placed.status).toBe(201);
    expect((await shop.finalOrder(placed.body.orderId)).status).toBe('CONFIRMED');
    // The order's later events wait behind its earlier ones: a row held for activity would hold them all.
    await waitFor('every outbox row published', async () => Number(await unpublished(shop)) === 0, { timeoutMs: 15_000 });
  });
});

describeWithNats('activity under attack: hostile envelopes on a stream (JetStream)', () => {
  const shop = new InProcessShop('activity_hostile', { PRUNE_INTERVAL_MS: '200' });
  beforeAll(() => shop.setUp());
  afterAll(() => shop.tearDown());

  it('given NUL bytes, an out-of-range version and dates Postgres cannot hold, then each is recorded (sanitised), none loops', async () => {
    const nc = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    for (const e of HOSTILE) await js.publish(`${shop.namespace}.orders.OrderNoted`, JSON.stringify(e), { msgID: e.id });
    await nc.close();
    let last: unknown;
    const timeline = await waitFor(
      'all hostile envelopes on the timeline',
      async () => {
        const { body } = await shop.http('GET', `/orders/${CORRELATION}/timeline`);
        last = body;
        return body?.events?.length === HOSTILE.length && body.events;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the last answer: ${JSON.stringify(last)}`);
    });
    const byId = new Map(timeline.map((e: any) => [e.id, e]));
    expect(byId.get(HOSTILE[0].id)).toMatchObject({ aggregateId: 'ab' });
    expect(byId.get(HOSTILE[1].id)).toMatchObject({ version: null });
    expect(byId.get(HOSTILE[2].id)).toMatchObject({ occurredAt: null });
    expect(byId.get(HOSTILE[3].id)).toMatchObject({ occurredAt: null });
    expect(byId.get(HOSTILE[4].id)).toMatchObject({ type: 'orders.OrderNoted' });
    expect(await shop.db.query('SELECT count(*)::int AS n FROM orders.dead_letter')).toEqual([{ n: 0 }]);
  });

  it('given an event recorded longer ago than the streams keep, then it is pruned; events whose producers\' clocks lag stay', async () => {
    await shop.db.query(
      `INSERT INTO activity.event (event_id, type, producer, occurred_at, recorded_at) VALUES ('undated-1', 'orders.X', 'orders', NULL, now() - interval '8 days')`,
    );
    await waitFor('the undated old row pruned', async () => (await shop.db.query(`SELECT 1 FROM activity.event WHERE event_id = 'undated-1'`)).length === 0, {
      timeoutMs: 5_000,
    });
    // Stamped 2026-01-01 (far past STREAM_MAX_AGE_MS by now) yet just recorded, the stream still holding them.
    expect((await shop.http('GET', `/orders/${CORRELATION}/timeline`)).body.events).toHaveLength(HOSTILE.length);
  });

  it('given its durable deleted under it, when an event is published, then activity takes up reading again and records it', async () => {
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      const stream = new MessagingNames(shop.namespace).stream('orders');
      expect(await jsm.consumers.delete(stream, 'activity-all')).toBe(true);
      const after = hostile(7, { occurredAt: new Date().toISOString() });
      await nc.jetstream().publish(`${shop.namespace}.orders.OrderNoted`, JSON.stringify(after), { msgID: after.id });
      await waitFor('the event after the deletion on the timeline', async () => {
        const { body } = await shop.http('GET', `/orders/${CORRELATION}/timeline`);
        return body?.events?.some((e: any) => e.id === after.id);
      });
    } finally {
      await nc.close();
    }
  });
});
