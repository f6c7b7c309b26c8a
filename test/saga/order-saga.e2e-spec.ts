import { v7 as uuidv7 } from 'uuid';
import { TOPOLOGIES } from '../support/shop/topologies';
import { waitFor } from '../support/wait-for';

describe.each(TOPOLOGIES)('order saga over HTTP, %s (real Postgres, real JetStream)', (_topology, makeShop) => {
  const world = makeShop('saga');

  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  const notifications = async (orderId: string) => (await world.http('GET', `/notifications?orderId=${orderId}`)).body;
  const payments = async (orderId: string) => (await world.http('GET', `/payments?orderId=${orderId}`)).body;

  it('happy path: CONFIRMED, stock available → reserved → sold, one capture for the total, two e-mails once each', async () => {
    await world.registerProduct('HAPPY-1', 1250, 10);
    await world.registerProduct('HAPPY-2', 500, 10);
    const placed = await world.placeOrder([
      { sku: 'HAPPY-1', quantity: 2 },
      { sku: 'HAPPY-2', quantity: 1 },
    ]);
    expect(placed.status).toBe(201);
    expect(placed.headers.get('location')).toBe(`/orders/${placed.body.orderId}`);
    expect(placed.body).toMatchObject({ status: 'PENDING', totalCents: 3000 });
    expect(placed.body.items).toEqual([
      { sku: 'HAPPY-1', quantity: 2, unitPriceCents: 1250 },
      { sku: 'HAPPY-2', quantity: 1, unitPriceCents: 500 },
    ]);

    const order = await world.finalOrder(placed.body.orderId);
    expect(order).toMatchObject({ status: 'CONFIRMED', cancellationReason: null, totalCents: 3000 });
    await waitFor('stock sold', async () => (await world.product('HAPPY-1')).sold === 2);
    expect(await world.product('HAPPY-1')).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect(await world.product('HAPPY-2')).toMatchObject({ available: 9, reserved: 0, sold: 1 });

    expect(await payments(order.orderId)).toEqual([
      expect.objectContaining({ orderId: order.orderId, amountCents: 3000, status: 'CAPTURED', declineReason: null }),
    ]);
    const mails = await waitFor('two e-mails', async () => {
      const list = await notifications(order.orderId);
      return list.length >= 2 ? list : undefined;
    });
    expect(mails.map((n: any) => n.template).sort()).toEqual(['order-confirmed', 'order-received']);
    expect(mails.every((n: any) => n.to === 'ada@example.com')).toBe(true);
  });

  it('stamps the saga on every event: correlation = order id, causation chain, the caller\'s traceparent', async () => {
    await world.registerProduct('TRACE', 100, 5);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const placed = await world.placeOrder([{ sku: 'TRACE', quantity: 1 }], 'tok_visa', { traceparent, 'x-request-id': 'req-trace-1' });
    await world.finalOrder(placed.body.orderId);
    const [row] = await world.db.query(`SELECT envelope FROM orders.outbox WHERE aggregate_id = $1 AND type = 'orders.OrderPlaced'`, [
      placed.body.orderId,
    ]);
    expect(row.envelope).toMatchObject({
      correlationId: placed.body.orderId,
      causationId: 'req-trace-1',
      traceparent,
      aggregateType: 'Order',
      aggregateVersion: 1,
    });
    const reservation = await waitFor('StockReserved', async () =>
      (await world.db.query(`SELECT envelope FROM inventory.outbox WHERE aggregate_id = $1`, [placed.body.orderId]))[0],
    );
    expect(reservation.envelope).toMatchObject({ correlationId: placed.body.orderId, causationId: row.envelope.id, traceparent });
  });

  it('out of stock: CANCELLED / OUT_OF_STOCK, no charge executed, stock back where it was', async () => {
    await world.registerProduct('SCARCE', 700, 1);
    const charges = (await world.executedChargeKeys()).length;
    const placed = await world.placeOrder([{ sku: 'SCARCE', quantity: 2 }]);
    const order = await world.finalOrder(placed.body.orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' });
    expect(await world.product('SCARCE')).toMatchObject({ available: 1, reserved: 0, sold: 0 });
    await waitFor('the intent voided', async () => (await payments(order.orderId))[0]?.status === 'VOIDED');
    expect(await world.executedChargeKeys()).toHaveLength(charges);
    await waitFor('e-mail order-cancelled', async () =>
      (await notifications(order.orderId)).some((n: any) => n.template === 'order-cancelled'),
    );
  });

  it('declined card: CANCELLED / PAYMENT_DECLINED, reservation released, a DECLINED payment, e-mail order-cancelled', async () => {
    await world.registerProduct('DECLINE', 900, 5);
    const placed = await world.placeOrder([{ sku: 'DECLINE', quantity: 3 }], 'tok_chargeDeclined');
    const order = await world.finalOrder(placed.body.orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_DECLINED' });
    await waitFor('the reservation released', async () => (await world.product('DECLINE')).reserved === 0);
    expect(await world.product('DECLINE')).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect(await payments(order.orderId)).toEqual([
      expect.objectContaining({ status: 'DECLINED', declineReason: 'card_declined', amountCents: 2700 }),
    ]);
    await waitFor('e-mail order-cancelled', async () =>
      (await notifications(order.orderId)).some((n: any) => n.template === 'order-cancelled'),
    );
  });

  it('a price change reaches the catalog; a stale ProductUpdated delivered late does not roll it back', async () => {
    await world.registerProduct('REPRICE', 1000, 10);
    expect((await world.http('PATCH', '/inventory/products/REPRICE', { priceCents: 2000 })).status).toBe(200);
    expect((await world.http('PATCH', '/inventory/products/REPRICE', { priceCents: 3000, name: 'Dearer' })).status).toBe(200);
    await world.catalogHas('REPRICE', 3);

    // A version-2 update arriving after version 3 (say, from a relay that was slow), delivered as the transport would.
    const stale = {
      id: uuidv7(),
      type: 'inventory.ProductUpdated',
      version: 1,
      occurredAt: new Date().toISOString(),
      aggregateType: 'Product',
      aggregateId: 'REPRICE',
      aggregateVersion: 2,
      correlationId: 'late',
      causationId: 'late',
      payload: { sku: 'REPRICE', name: 'Stale', priceCents: 2000 },
    };
    await world.deliverLate(stale);
    await waitFor('the stale event consumed', async () =>
      (await world.db.query(`SELECT 1 FROM orders.inbox WHERE event_id = $1`, [stale.id])).length === 1,
    );

    expect((await world.http('GET', '/catalog/REPRICE')).body).toMatchObject({ priceCents: 3000, version: 3, name: 'Dearer' });
    const placed = await world.placeOrder([{ sku: 'REPRICE', quantity: 2 }]);
    expect(placed.body).toMatchObject({ totalCents: 6000, items: [{ sku: 'REPRICE', quantity: 2, unitPriceCents: 3000 }] });
  });

  it('Idempotency-Key: 20 concurrent identical requests create one order; another body with the key gets 409', async () => {
    await world.registerProduct('IDEM', 100, 100);
    const key = `idem-${uuidv7()}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => world.placeOrder([{ sku: 'IDEM', quantity: 1 }], 'tok_visa', { 'Idempotency-Key': key })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.orderId)).size).toBe(1);
    expect(answers.every((a) => a.body.status === 'PENDING' && a.body.totalCents === 100)).toBe(true);
    expect(await world.db.query('SELECT id FROM orders.orders WHERE idempotency_key = $1', [key])).toHaveLength(1);

    const other = await world.placeOrder([{ sku: 'IDEM', quantity: 2 }], 'tok_visa', { 'Idempotency-Key': key });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ statusCode: 409, code: 'IDEMPOTENCY_KEY_REUSED' });

    await world.finalOrder(answers[0].body.orderId);
    const again = await world.placeOrder([{ sku: 'IDEM', quantity: 1 }], 'tok_visa', { 'Idempotency-Key': key });
    expect(again).toMatchObject({ status: 201, body: { orderId: answers[0].body.orderId, status: 'PENDING' } });
    expect((await world.executedChargeKeys()).filter((k) => k === answers[0].body.orderId)).toHaveLength(1);
  });

  describe('bad input: the documented 4xx, nothing stored, never a 5xx', () => {
    const valid = {
      customerId: '0193a2b4-0000-7000-8000-000000000001',
      customerEmail: 'ada@example.com',
      items: [{ sku: 'BAD-IN', quantity: 1 }],
      paymentToken: 'tok_visa',
    };
    beforeAll(() => world.registerProduct('BAD-IN', 100, 10));

    const cases: [string, () => Promise<{ status: number; body: any }>, number][] = [
      ['an unknown field', () => world.http('POST', '/orders', { ...valid, discount: 50 }), 400],
      ['an unknown field in a line', () => world.http('POST', '/orders', { ...valid, items: [{ sku: 'BAD-IN', quantity: 1, price: 1 }] }), 400],
      ['a wrong type', () => world.http('POST', '/orders', { ...valid, items: [{ sku: 'BAD-IN', quantity: '1' }] }), 400],
      ['a zero quantity', () => world.http('POST', '/orders', { ...valid, items: [{ sku: 'BAD-IN', quantity: 0 }] }), 400],
      ['a negative quantity', () => world.http('POST', '/orders', { ...valid, items: [{ sku: 'BAD-IN', quantity: -3 }] }), 400],
      ['a quantity over 1,000', () => world.http('POST', '/orders', { ...valid, items: [{ sku: 'BAD-IN', quantity: 1001 }] }), 400],
      ['101 lines', () => world.http('POST', '/orders', { ...valid, items: Array(101).fill({ sku: 'BAD-IN', quantity: 1 }) }), 400],
      ['no lines', () => world.http('POST', '/orders', { ...valid, items: [] }), 400],
      ['a bad e-mail', () => world.http('POST', '/orders', { ...valid, customerEmail: 'nope' }), 400],
      ['a body that is an array', () => world.http('POST', '/orders', [valid]), 400],
      ['an unknown sku', () => world.http('POST', '/orders', { ...valid, items: [{ sku: 'NO-SUCH', quantity: 1 }] }), 422],
      ['a 1 MB body', () => world.http('POST', '/orders', { ...valid, padding: 'x'.repeat(1024 * 1024) }), 413],
      ['a non-JSON body', () => world.http('POST', '/orders', 'customerId=1&items=2', { 'content-type': 'text/plain' }), 400],
      ['malformed JSON', () => world.http('POST', '/orders', '{"customerId": ', { 'content-type': 'application/json' }), 400],
      ['a malformed order id', () => world.http('GET', '/orders/not-a-uuid'), 400],
      ['an unknown order id', () => world.http('GET', `/orders/${uuidv7()}`), 404],
      ['a malformed payments query', () => world.http('GET', '/payments?orderId=1'), 400],
      ['a product with a bad sku', () => world.http('POST', '/inventory/products', { sku: 'a b', name: 'x', priceCents: 1, quantity: 1 }), 400],
      ['a NUL byte in a name', () => world.http('POST', '/inventory/products', { sku: 'NUL-1', name: 'a\u0000b', priceCents: 1, quantity: 1 }), 400],
      ['a duplicate sku', () => world.http('POST', '/inventory/products', { sku: 'BAD-IN', name: 'x', priceCents: 1, quantity: 1 }), 409],
      ['a restock of zero', () => world.http('POST', '/inventory/products/BAD-IN/restock', { quantity: 0 }), 400],
      ['a patch of an unknown product', () => world.http('PATCH', '/inventory/products/NOPE', { priceCents: 1 }), 404],
    ];

    it.each(cases)('%s', async (_name, request, expected) => {
      const before = await world.db.query('SELECT count(*)::int AS n FROM orders.orders');
      const answer = await request();
      expect(answer.status).toBe(expected);
      expect(answer.body).toMatchObject({ statusCode: expected, error: expect.any(String), message: expect.any(String) });
      expect(await world.db.query('SELECT count(*)::int AS n FROM orders.orders')).toEqual(before);
    });

    it('says which sku is unknown, with a stable code', async () => {
      const answer = await world.http('POST', '/orders', { ...valid, items: [{ sku: 'NO-SUCH', quantity: 1 }] });
      expect(answer.body).toMatchObject({ code: 'UNKNOWN_SKU', message: expect.stringContaining('NO-SUCH') });
    });
  });

  it('serves Prometheus metrics: relay results, consumer outcomes, outbox lag', async () => {
    const { status, body } = await world.http('GET', '/metrics');
    expect(status).toBe(200);
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(body)?.[1] ?? NaN);
    expect(value('shop_outbox_events_total{module="orders",result="published"}')).toBeGreaterThan(0);
    expect(value('shop_consumer_events_total{consumer="inventory",outcome="ack"}')).toBeGreaterThan(0);
    expect(value('shop_outbox_unpublished{module="orders"}')).toBeGreaterThanOrEqual(0);
  });

  it('serves OpenAPI at /docs and health at /health', async () => {
    expect((await world.http('GET', '/docs')).status).toBe(200);
    const health = await world.http('GET', '/health');
    expect(health.status).toBe(200);
    expect(Object.keys(health.body.info)).toEqual(
      // GET /health lands on the process that serves orders: it reports its own modules (and NATS, where used).
      expect.arrayContaining(['database:orders', 'database:inventory', ...(world.transport === 'jetstream' ? ['nats'] : [])]),
    );
  });
});
