import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { orderPlacedEnvelope } from '../support/envelopes';
import { rowsHolding } from '../support/rows-holding';
import { ADMIN_TOKEN, bearer } from '../support/admin';
import { waitFor } from '../support/wait-for';

const CONSUMERS = ['inventory', 'payments', 'notifications'];

const orderPlaced = (version: 1 | 2, orderId: string, sku: string, extra: object = {}) =>
  orderPlacedEnvelope(version, orderId, {
    customerId: '0193a2b4-0000-7000-8000-000000000001',
    customerEmail: 'ada@example.com',
    items: [{ sku, quantity: 1, unitPriceCents: 500 }],
    totalCents: 500,
    ...extra,
  });

/**
 * The adversary of issue 12 on OrderPlaced itself: one order told twice in two versions, a v1
 * (token inside) replayed after the v2 producer decided the order, a v2 smuggling a token.
 */
describeWithNats('OrderPlaced v1 and v2 for the same order (the monolith, real Postgres and JetStream)', () => {
  const shop = new InProcessShop('placed_versions', { ADMIN_TOKEN });
  beforeAll(() => shop.setUp());
  afterAll(() => shop.tearDown());

  const charges = async (orderId: string) => (await shop.executedChargeKeys()).filter((k) => k.includes(orderId));
  const mails = async (orderId: string) => ((await shop.http('GET', `/notifications?orderId=${orderId}`)).body as { template: string }[]).map((n) => n.template);
  const inboxed = (eventId: string) => shop.db.query('SELECT consumer FROM inventory.inbox WHERE event_id = $1 UNION ALL SELECT consumer FROM payments.inbox WHERE event_id = $1 UNION ALL SELECT consumer FROM notifications.inbox WHERE event_id = $1', [eventId]);

  it('a v1 with a token replayed after the v2 order was decided: applied by every consumer, nothing twice, the token kept nowhere', async () => {
    await shop.registerProduct('VERS-1', 500, 5);
    const placed = await shop.placeOrder([{ sku: 'VERS-1', quantity: 1 }]);
    const orderId = placed.body.orderId;
    expect((await shop.finalOrder(orderId)).status).toBe('CONFIRMED');
    await waitFor('order-confirmed sent', async () => (await mails(orderId)).includes('order-confirmed'));

    const token = `tok_replayed_${randomBytes(6).toString('hex')}`;
    const replay = orderPlaced(1, orderId, 'VERS-1', { paymentToken: token });
    await shop.deliverLate(replay);
    await waitFor('every consumer took the replay', async () => (await inboxed(replay.id)).length === CONSUMERS.length);

    expect(await charges(orderId)).toHaveLength(1);
    expect((await shop.http('GET', `/payments?orderId=${orderId}`)).body).toEqual([expect.objectContaining({ status: 'CAPTURED' })]);
    expect(await shop.product('VERS-1')).toMatchObject({ available: 4, reserved: 0, sold: 1 });
    expect((await mails(orderId)).sort()).toEqual(['order-confirmed', 'order-received']);
    expect(await rowsHolding(shop.db, token)).toEqual([]);
  });

  it('one order told as v1 and as v2 (two event ids, a v1 producer and a v2 producer both running): reserved, charged and mailed once', async () => {
    await shop.registerProduct('VERS-2', 500, 5);
    const orderId = uuidv7();
    await shop.db.query(
      `INSERT INTO orders.orders (id, customer_id, customer_email, items, total_cents, status, version, created_at, updated_at)
       VALUES ($1, '0193a2b4-0000-7000-8000-000000000001', 'ada@example.com', $2::jsonb, 500, 'PENDING', 1, now(), now())`,
      [orderId, JSON.stringify([{ sku: 'VERS-2', quantity: 1, unitPriceCents: 500 }])],
    );
    const v2 = orderPlaced(2, orderId, 'VERS-2');
    const v1 = orderPlaced(1, orderId, 'VERS-2', { paymentToken: 'tok_visa' });
    await shop.deliverLate(v2);
    await shop.deliverLate(v1);
    expect((await shop.finalOrder(orderId)).status).toBe('CONFIRMED');
    await waitFor('both versions taken by every consumer', async () => (await inboxed(v1.id)).length + (await inboxed(v2.id)).length === 2 * CONSUMERS.length);
    await waitFor('stock settled', async () => (await shop.product('VERS-2')).reserved === 0);
    expect(await shop.product('VERS-2')).toMatchObject({ available: 4, reserved: 0, sold: 1 });
    expect(await charges(orderId)).toHaveLength(1);
    await waitFor('order-confirmed sent', async () => (await mails(orderId)).includes('order-confirmed'));
    expect((await mails(orderId)).sort()).toEqual(['order-confirmed', 'order-received']);
  });

  it('a v2 smuggling a paymentToken is parked by every consumer at once, the token in no dead letter and no table', async () => {
    const orderId = uuidv7();
    const token = `tok_smuggled_${randomBytes(6).toString('hex')}`;
    const smuggled = orderPlaced(2, orderId, 'VERS-1', { paymentToken: token });
    await shop.deliverLate(smuggled);
    const parked = await waitFor('parked by every consumer', async () => {
      const rows = await shop.db.query(
        `SELECT consumer, error, attempts FROM inventory.dead_letter WHERE event_id = $1 UNION ALL
         SELECT consumer, error, attempts FROM payments.dead_letter WHERE event_id = $1 UNION ALL
         SELECT consumer, error, attempts FROM notifications.dead_letter WHERE event_id = $1`,
        [smuggled.id],
      );
      return rows.length === CONSUMERS.length ? rows : undefined;
    });
    for (const row of parked!) {
      expect(row.error).toMatch(/payload breaks orders\.OrderPlaced@v2: .*paymentToken/);
      expect(row.attempts).toBe(1);
    }
    expect(await rowsHolding(shop.db, token)).toEqual([]);
    expect((await rowsHolding(shop.db, orderId)).sort()).toEqual(CONSUMERS.map((c) => `${c}.dead_letter: 1`).sort());
  });

  it('a v1 parked earlier (its token dropped at parking) and retried by an operator: inventory applies it, payments says the token is gone', async () => {
    await shop.registerProduct('VERS-3', 500, 5);
    const orderId = uuidv7();
    // What parking left of a v1: the envelope without its secret (the payload as a v1 producer wrote it, minus paymentToken).
    const parkedEvent = orderPlaced(1, orderId, 'VERS-3');
    // What parking left: the v1 envelope without its secret, in each consumer's dead-letter table.
    const letters: Record<string, string> = {};
    for (const consumer of ['inventory', 'payments']) {
      letters[consumer] = uuidv7();
      await shop.db.query(
        `INSERT INTO "${consumer}".dead_letter (id, source, consumer, event_id, type, envelope, error, attempts)
         VALUES ($1, 'inbox', $2, $3, 'orders.OrderPlaced', $4::jsonb, 'failed 10 times', 10)`,
        [letters[consumer], consumer, parkedEvent.id, JSON.stringify(parkedEvent)],
      );
    }
    const retry = async (consumer: string) =>
      (await shop.http('POST', `/dead-letters/${consumer}/${letters[consumer]}/retry`, undefined, bearer(ADMIN_TOKEN))).body;

    expect(await retry('inventory')).toEqual({ retried: true, outcome: 'ack' });
    expect(await shop.product('VERS-3')).toMatchObject({ available: 4, reserved: 1 });
    expect(await retry('payments')).toEqual({ retried: true, outcome: 'dead-lettered' });
    const [again] = await shop.db.query(`SELECT error FROM payments.dead_letter WHERE event_id = $1 AND retried_at IS NULL`, [parkedEvent.id]);
    expect(again.error).toMatch(/card token of order .* was dropped when its OrderPlaced v1 was parked/);
  });
});
