import { AckPolicy, connect } from 'nats';
import { v7 as uuidv7 } from 'uuid';
import { orderPlacedEnvelope } from '../support/envelopes';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { NATS_URL } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

/** Every sample of a metric family in a Prometheus text answer: labels as written, and the value. */
function samples(body: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of body.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) found.set(match[1] ?? '', Number(match[2]));
  return found;
}

describeWithNats('metrics an operator alerts on, after one order (real Postgres, real JetStream)', () => {
  const shop = new InProcessShop('opsmetrics');
  let orderId: string;
  const scrape = async () => (await shop.http<string>('GET', '/metrics')).body;
  const value = async (name: string, labels: string) => samples(await scrape(), name).get(labels);

  beforeAll(async () => {
    await shop.setUp();
    await shop.registerProduct('OPS-1', 2_500, 5);
    orderId = (await shop.placeOrder([{ sku: 'OPS-1', quantity: 1 }])).body.orderId;
    expect((await shop.finalOrder(orderId)).status).toBe('CONFIRMED');
  });
  afterAll(() => shop.tearDown());

  it('counts the saga outcome once and observes its place-to-final latency', async () => {
    const body = await scrape();
    // Every other outcome at 0 from the start: the first TIMED_OUT must be an increase for its alert to fire.
    expect(samples(body, 'shop_saga_outcomes_total')).toEqual(
      new Map([
        ['{status="CONFIRMED",reason="none"}', 1],
        ['{status="CANCELLED",reason="OUT_OF_STOCK"}', 0],
        ['{status="CANCELLED",reason="PAYMENT_DECLINED"}', 0],
        ['{status="CANCELLED",reason="TIMED_OUT"}', 0],
      ]),
    );
    expect(samples(body, 'shop_order_place_to_final_seconds_count').get('{status="CANCELLED"}')).toBe(0);
    expect(samples(body, 'shop_order_place_to_final_seconds_count').get('{status="CONFIRMED"}')).toBe(1);
    const seconds = samples(body, 'shop_order_place_to_final_seconds_sum').get('{status="CONFIRMED"}')!;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(30);
    // The widest bucket holds the one observation.
    expect(samples(body, 'shop_order_place_to_final_seconds_bucket').get('{le="600",status="CONFIRMED"}')).toBe(1);
  });

  it('observes the relay publish latency of every producing module', async () => {
    const counts = samples(await scrape(), 'shop_relay_publish_seconds_count');
    for (const module of ['orders', 'inventory', 'payments']) expect(counts.get(`{module="${module}"}`)).toBeGreaterThanOrEqual(1);
    const sums = samples(await scrape(), 'shop_relay_publish_seconds_sum');
    expect(sums.get('{module="orders"}')).toBeGreaterThan(0);
    expect(sums.get('{module="orders"}')).toBeLessThan(30);
  });

  it('shows each durable consumer\'s lag, drained to zero', async () => {
    const durable = `{stream="${shop.namespace.toUpperCase()}_ORDERS",durable="payments_OrderPlaced",consumer="payments"}`;
    // Every module consumes: 16 durables in the monolith, none behind once the saga is done (the
    // gauge is sampled every few seconds: one sample may still show the last confirmation's lag).
    const drained = async () => {
      const pending = samples(await scrape(), 'shop_consumer_pending');
      return pending.size >= 10 && [...pending.values()].every((n) => n === 0);
    };
    await waitFor('every durable\'s lag sampled at 0', drained, { timeoutMs: 15_000, intervalMs: 250 });
    expect(await value('shop_consumer_pending', durable)).toBe(0);
    expect(samples(await scrape(), 'shop_consumer_ack_pending').get(durable)).toBe(0);
  });

  it("shows the lag of a durable whose process is away (another service, or down), and forgets it once deleted", async () => {
    const stream = `${shop.namespace.toUpperCase()}_ORDERS`;
    const durable = `{stream="${stream}",durable="activity_OrderPlaced",consumer="activity"}`;
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      // Created by a module that runs elsewhere and has stopped: nobody here pulls from it.
      await jsm.consumers.add(stream, { durable_name: 'activity_OrderPlaced', ack_policy: AckPolicy.Explicit, filter_subject: `${shop.namespace}.orders.OrderPlaced` });
      await waitFor('its lag on the gauge', async () => (await value('shop_consumer_pending', durable)) === 1, { timeoutMs: 10_000, intervalMs: 250 });
      await jsm.consumers.delete(stream, 'activity_OrderPlaced');
      await waitFor('gone from the gauge', async () => (await value('shop_consumer_pending', durable)) === undefined, { timeoutMs: 10_000, intervalMs: 250 });
    } finally {
      await nc.close();
    }
  });

  it('shows the age of the oldest waiting outbox row, and 0 once none waits', async () => {
    expect(await value('shop_outbox_oldest_unpublished_age_seconds', '{module="orders"}')).toBe(0);
    const held = uuidv7();
    await shop.db.query(
      `INSERT INTO orders.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope, created_at, available_at)
       VALUES ($1::uuid, 'orders.Held', 'Held', $1::text, 1, '{}'::jsonb, now() - interval '90 seconds', now() + interval '1 hour')`,
      [held],
    );
    const age = await waitFor('the age on the gauge', async () => {
      const seconds = (await value('shop_outbox_oldest_unpublished_age_seconds', '{module="orders"}')) ?? 0;
      return seconds >= 90 ? seconds : 0;
    }, { timeoutMs: 10_000, intervalMs: 250 });
    expect(age).toBeLessThan(120);
    await shop.db.query('DELETE FROM orders.outbox WHERE id = $1', [held]);
    await waitFor('the age back to 0', async () => (await value('shop_outbox_oldest_unpublished_age_seconds', '{module="orders"}')) === 0, {
      timeoutMs: 10_000,
      intervalMs: 250,
    });
  });

  it('counts open dead letters per module', async () => {
    expect(samples(await scrape(), 'shop_dead_letters')).toEqual(
      new Map(['activity', 'inventory', 'notifications', 'orders', 'payments'].map((m) => [`{module="${m}"}`, 0])),
    );
    // Breaks its contract (no lines): inventory, payments and notifications park it.
    await shop.deliverLate(orderPlacedEnvelope(1, uuidv7(), { customerId: uuidv7(), customerEmail: 'a@example.com', items: [], totalCents: 0, paymentToken: 'tok_visa' }));
    await waitFor('three dead letters on the gauge', async () => {
      const letters = samples(await scrape(), 'shop_dead_letters');
      return ['inventory', 'payments', 'notifications'].every((m) => letters.get(`{module="${m}"}`) === 1) && letters.get('{module="orders"}') === 0;
    }, { timeoutMs: 10_000, intervalMs: 250 });
  });
});
