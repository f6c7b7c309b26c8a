import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { ProcessShop } from '../support/shop/process-shop';
import { Shop } from '../support/shop/shop';
import { TOPOLOGIES } from '../support/shop/topologies';
import { readStream } from '../support/test-broker';
import { orderPlacedEnvelope } from '../support/envelopes';
import { MODULE_SCHEMAS, rowsHolding } from '../support/rows-holding';
import { describeWithNats } from '../support/requires-nats';
import { waitFor } from '../support/wait-for';

/** Every message of the shop's streams, read with a client of the test's own (data and headers). */
async function streamMessagesHolding(shop: Shop, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const module of MODULE_SCHEMAS) {
    const stream = `${shop.namespace}_${module}`.toUpperCase();
    const messages = await readStream(stream).catch(() => []);
    for (const m of messages) {
      const text = new TextDecoder().decode(m.data) + JSON.stringify(m.headers ? [...m.headers] : []);
      if (text.includes(needle)) found.push(`${stream}#${m.seq}`);
    }
  }
  return found;
}

const v1OrderPlaced = (orderId: string, sku: string, paymentToken: string) =>
  orderPlacedEnvelope(1, orderId, {
    customerId: '0193a2b4-0000-7000-8000-000000000001',
    customerEmail: 'ada@example.com',
    items: [{ sku, quantity: 1, unitPriceCents: 300 }],
    totalCents: 300,
    paymentToken,
  });

describe.each(TOPOLOGIES)('the card token rides no event, %s (real Postgres, real JetStream)', (_topology, makeShop) => {
  const world = makeShop('token');

  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  const payments = async (orderId: string) => (await world.http('GET', `/payments?orderId=${orderId}`)).body;

  it('after captured, declined and out-of-stock orders, the token is in no stream, outbox, dead letter or table', async () => {
    const secret = `tok_secret_${randomBytes(8).toString('hex')}`;
    await world.registerProduct('TOKEN-1', 400, 3);
    const placed = [
      await world.placeOrder([{ sku: 'TOKEN-1', quantity: 1 }], secret),
      await world.placeOrder([{ sku: 'TOKEN-1', quantity: 1 }], 'tok_insufficientFunds'),
      await world.placeOrder([{ sku: 'TOKEN-1', quantity: 5 }], secret),
    ];
    expect(placed.map((p) => p.status)).toEqual([201, 201, 201]);
    const finals = await world.finalOrders(placed.map((p) => p.body.orderId), 60_000);
    expect(finals.map((o) => [o.status, o.cancellationReason])).toEqual([
      ['CONFIRMED', null],
      ['CANCELLED', 'PAYMENT_DECLINED'],
      ['CANCELLED', 'OUT_OF_STOCK'],
    ]);
    // The token reached the gateway (the capture and the decline prove it), and nothing else kept it.
    expect((await payments(finals[0].orderId))[0]).toMatchObject({ status: 'CAPTURED' });
    expect((await payments(finals[1].orderId))[0]).toMatchObject({ status: 'DECLINED', declineReason: 'insufficient_funds' });
    const { result } = await world.verify(placed.map((p) => p.body.orderId));
    expect(result.violations).toEqual([]);

    for (const needle of [secret, 'tok_insufficientFunds']) {
      expect(await streamMessagesHolding(world, needle)).toEqual([]);
      expect(await rowsHolding(world.db, needle)).toEqual([]);
      expect(await rowsHolding(world.paymentsDb, needle)).toEqual([]);
    }
    // Not a vacuous scan: the streams and tables do hold the orders.
    if (world.transport === 'jetstream') expect(await streamMessagesHolding(world, finals[0].orderId)).not.toEqual([]);
    expect(await rowsHolding(world.db, finals[0].orderId)).not.toEqual([]);
  });

  it('a v1 OrderPlaced (token inside) already on the stream is still charged with its token, which is then dropped', async () => {
    await world.registerProduct('TOKEN-V1', 300, 5);
    const outcomes: Record<string, string> = {};
    const orderIds: string[] = [];
    for (const token of ['tok_visa', 'tok_chargeDeclined']) {
      const orderId = uuidv7();
      orderIds.push(orderId);
      // What the previous version committed: the order row, and its v1 event on the way to the stream.
      await world.db.query(
        `INSERT INTO orders.orders (id, customer_id, customer_email, items, total_cents, status, version, created_at, updated_at)
         VALUES ($1, '0193a2b4-0000-7000-8000-000000000001', 'ada@example.com', $2::jsonb, 300, 'PENDING', 1, now(), now())`,
        [orderId, JSON.stringify([{ sku: 'TOKEN-V1', quantity: 1, unitPriceCents: 300 }])],
      );
      await world.deliverLate(v1OrderPlaced(orderId, 'TOKEN-V1', token));
      const order = await world.finalOrder(orderId);
      outcomes[token] = `${order.status}/${order.cancellationReason}`;
      await waitFor(`payment of ${token} decided`, async () => ['CAPTURED', 'DECLINED'].includes((await payments(orderId))[0]?.status));
      await waitFor('the v1 token dropped by payments', async () =>
        (await world.paymentsDb.query(`SELECT 1 FROM payments.payment_credentials WHERE order_id = $1`, [orderId])).length === 0,
      );
    }
    expect(outcomes).toEqual({ tok_visa: 'CONFIRMED/null', tok_chargeDeclined: 'CANCELLED/PAYMENT_DECLINED' });
    // Every consumer applied both v1 events (upcast to the v2 they read): stock sold once and released once, e-mails sent.
    await waitFor('stock settled', async () => (await world.product('TOKEN-V1')).reserved === 0);
    expect(await world.product('TOKEN-V1')).toMatchObject({ available: 4, reserved: 0, sold: 1 });
    for (const orderId of orderIds) {
      await waitFor(`order-received for ${orderId}`, async () =>
        ((await world.http('GET', `/notifications?orderId=${orderId}`)).body as { template: string }[]).some((n) => n.template === 'order-received'),
      );
    }
  });

  it('an OrderPlaced of a version no consumer knows is parked by each, with the reason, and changes nothing', async () => {
    const orderId = uuidv7();
    const v9 = { ...v1OrderPlaced(orderId, 'TOKEN-1', 'tok_visa'), version: 9 };
    await world.deliverLate(v9);
    const parked = await waitFor('parked by every consumer', async () => {
      const rows = [
        ...(await world.db.query(`SELECT consumer, error FROM inventory.dead_letter WHERE event_id = $1`, [v9.id])),
        ...(await world.db.query(`SELECT consumer, error FROM notifications.dead_letter WHERE event_id = $1`, [v9.id])),
        ...(await world.paymentsDb.query(`SELECT consumer, error FROM payments.dead_letter WHERE event_id = $1`, [v9.id])),
      ];
      return rows.length === 3 ? rows : undefined;
    });
    expect(parked!.map((r) => r.error)).toEqual(Array(3).fill('no contract for orders.OrderPlaced@v9'));
    expect(await payments(orderId)).toEqual([]);
  });

  it('a v1 OrderPlaced that breaks its contract is parked without its token', async () => {
    const orderId = uuidv7();
    const event = v1OrderPlaced(orderId, 'NO-SUCH-SKU', 'tok_parkedSecret42');
    const hostile = { ...event, payload: { ...event.payload, unexpected: true } };
    await world.deliverLate(hostile);
    // Every consumer parks it, each in its own time.
    const parked = await waitFor('parked by inventory, notifications and payments', async () => {
      const rows = [
        ...(await world.db.query(`SELECT envelope FROM inventory.dead_letter WHERE event_id = $1`, [event.id])),
        ...(await world.db.query(`SELECT envelope FROM notifications.dead_letter WHERE event_id = $1`, [event.id])),
        ...(await world.paymentsDb.query(`SELECT envelope FROM payments.dead_letter WHERE event_id = $1`, [event.id])),
      ];
      return rows.length === 3 ? rows : undefined;
    });
    for (const { envelope } of parked!) {
      expect(envelope.payload).not.toHaveProperty('paymentToken');
      expect(envelope.payload.customerEmail).toBe('ada@example.com');
    }
    // In-process, the orders outbox still holds it as the old version wrote it: only dead letters are scanned.
    for (const db of [world.db, world.paymentsDb]) expect(await rowsHolding(db, 'tok_parkedSecret42', 'dead_letter')).toEqual([]);
  });
});

describeWithNats('the card token hand-over, payments away (one process per module group)', () => {
  // Debug logs: the scan at the end reads everything the processes wrote.
  const world = new ProcessShop('token_away', [['orders', 'inventory', 'notifications'], ['payments']], { LOG_LEVEL: 'debug' });
  const secret = `tok_away_${randomBytes(8).toString('hex')}`;

  beforeAll(() => world.setUp(), 120_000);
  afterAll(() => world.tearDown(), 60_000);

  it('orders keeps the token while payments is down, hands it over when payments is back, and the order completes', async () => {
    await world.registerProduct('AWAY-1', 900, 2);
    const payments = world.services.get('payments')!;
    await payments.stop();
    const placed = await world.placeOrder([{ sku: 'AWAY-1', quantity: 1 }], secret);
    expect(placed.status).toBe(201);
    const orderId = placed.body.orderId;
    const waiting = await waitFor('a hand-over attempt refused', async () => {
      const rows = await world.db.query(`SELECT attempts, last_error FROM orders.payment_handoffs WHERE id = $1`, [orderId]);
      return rows[0]?.attempts >= 1 ? rows[0] : undefined;
    });
    expect(waiting.last_error).toBeTruthy();
    expect((await world.http('GET', `/orders/${orderId}`)).body.status).toBe('PENDING');

    await payments.start();
    expect(await world.finalOrder(orderId, 60_000)).toMatchObject({ status: 'CONFIRMED' });
    expect(await world.db.query(`SELECT 1 FROM orders.payment_handoffs WHERE id = $1`, [orderId])).toEqual([]);
    expect(await world.db.query(`SELECT 1 FROM payments.payment_credentials WHERE order_id = $1`, [orderId])).toEqual([]);
  }, 120_000);

  it('the logs of every process hold no card token and no e-mail address', () => {
    const logs = [...world.services.values()].map((s) => readFileSync(s.logFile, 'utf8'));
    expect(logs.join('').length).toBeGreaterThan(1_000);
    // The hand-over refused while payments was down was logged, scrubbed: the scan reads real lines.
    expect(logs.join('')).toMatch(/card token of order .* not handed over/);
    for (const log of logs) {
      expect(log).not.toContain(secret);
      expect(log).not.toContain('ada@example.com');
    }
  });
});
