import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { NATS_URL } from '../support/test-broker';

/** ADVERSARY: hostile bodies at the edge and replays on the stream; the process must stay up and effects stay single. */
describeWithNats('adversary: hostile input and replays (monolith over JetStream)', () => {
  const shop = new InProcessShop('adv_hostile');
  beforeAll(() => shop.setUp(), 60_000);
  afterAll(() => shop.tearDown());

  it('hostile bodies: no 5xx, the process stays healthy', async () => {
    const cases: [string, string, unknown][] = [
      ['name with NUL', '/inventory/products', { sku: 'H-NUL', name: 'a\u0000b', priceCents: 1, quantity: 1 }],
      ['name with lone surrogate', '/inventory/products', { sku: 'H-SUR', name: 'a\ud800b', priceCents: 1, quantity: 1 }],
      ['proto key', '/inventory/products', JSON.parse('{"sku":"H-PROTO","name":"x","priceCents":1,"quantity":1,"__proto__":{"admin":true}}')],
      ['constructor key', '/orders', JSON.parse('{"constructor":{"prototype":{"x":1}},"customerId":"0193a2b4-0000-7000-8000-000000000001","customerEmail":"a@b.co","items":[{"sku":"H-OK","quantity":1}],"paymentToken":"tok_visa"}')],
      ['huge quantity', '/orders', { customerId: '0193a2b4-0000-7000-8000-000000000001', customerEmail: 'a@b.co', items: [{ sku: 'H-OK', quantity: 1e308 }], paymentToken: 'tok_visa' }],
      ['quantity as string', '/orders', { customerId: '0193a2b4-0000-7000-8000-000000000001', customerEmail: 'a@b.co', items: [{ sku: 'H-OK', quantity: '1' }], paymentToken: 'tok_visa' }],
      ['items not array', '/orders', { customerId: '0193a2b4-0000-7000-8000-000000000001', customerEmail: 'a@b.co', items: { 0: { sku: 'H-OK', quantity: 1 }, length: 1 }, paymentToken: 'tok_visa' }],
      ['quantity price overflow', '/inventory/products', { sku: 'H-BIG', name: 'x', priceCents: 1, quantity: 2 ** 31 }],
      ['negative zero quantity', '/inventory/products', { sku: 'H-NZ', name: 'x', priceCents: -0, quantity: 1 }],
    ];
    await shop.registerProduct('H-OK', 100, 10);
    const seen: string[] = [];
    for (const [label, path, body] of cases) {
      const answer = await shop.http('POST', path, body);
      seen.push(`${label}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`);
    }
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const deepAnswer = await shop.http('POST', '/orders', deep, { 'content-type': 'application/json' });
    seen.push(`deeply nested body: ${deepAnswer.status}`);
    const big = await shop.http('POST', '/orders', JSON.stringify({ pad: 'x'.repeat(5_000_000) }), { 'content-type': 'application/json' });
    seen.push(`5 MB body: ${big.status}`);
    const key = await shop.placeOrder([{ sku: 'H-OK', quantity: 1 }], 'tok_visa', { 'Idempotency-Key': 'ü'.repeat(10) });
    seen.push(`unicode idempotency key: ${key.status}`);
    const longKey = await shop.placeOrder([{ sku: 'H-OK', quantity: 1 }], 'tok_visa', { 'Idempotency-Key': 'k'.repeat(100_000) });
    seen.push(`100k idempotency key: ${longKey.status}`);
    console.log(seen.join('\n'));
    const health = await shop.http('GET', '/health');
    expect(health.status).toBe(200);
    expect(seen.filter((s) => / 5\d\d/.test(s) || /: 5\d\d/.test(s))).toEqual([]);
  }, 60_000);

  it('a confirmed order\'s events replayed (same id, new Nats-Msg-Id; and a copy with a new id): no second effect', async () => {
    await shop.registerProduct('H-REPLAY', 100, 10);
    const placed = await shop.placeOrder([{ sku: 'H-REPLAY', quantity: 2 }]);
    const orderId = placed.body.orderId;
    expect((await shop.finalOrder(orderId)).status).toBe('CONFIRMED');
    const rows = await shop.db.query<{ envelope: any }>(
      `SELECT envelope FROM orders.outbox WHERE aggregate_id = $1 UNION ALL SELECT envelope FROM inventory.outbox WHERE aggregate_id = $1
       UNION ALL SELECT envelope FROM payments.outbox WHERE envelope->'payload'->>'orderId' = $1`,
      [orderId],
    );
    const nc = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    for (const { envelope } of rows) {
      await js.publish(`${shop.namespace}.${envelope.type}`, JSON.stringify(envelope), { msgID: randomUUID() });
      const copy = { ...envelope, id: randomUUID() };
      await js.publish(`${shop.namespace}.${copy.type}`, JSON.stringify(copy), { msgID: copy.id });
    }
    await nc.close();
    await new Promise((r) => setTimeout(r, 6_000));
    const product = await shop.product('H-REPLAY');
    const payments = await shop.db.query(`SELECT status FROM payments.payments WHERE order_id = $1`, [orderId]);
    const charges = await shop.db.query(`SELECT 1 FROM gateway_simulator.charges WHERE idempotency_key = $1`, [orderId]);
    const mails = await shop.db.query(`SELECT template FROM notifications.notifications WHERE order_id = $1`, [orderId]);
    const parked = await shop.db.query(
      `SELECT consumer, type, error FROM inventory.dead_letter UNION ALL SELECT consumer, type, error FROM payments.dead_letter
       UNION ALL SELECT consumer, type, error FROM orders.dead_letter UNION ALL SELECT consumer, type, error FROM notifications.dead_letter`,
    ).catch((e) => [{ error: String(e) }]);
    const order = (await shop.http('GET', `/orders/${orderId}`)).body;
    console.log(`replayed ${rows.length} events x2: order ${order.status}, product ${JSON.stringify(product)}, payments ${JSON.stringify(payments)}, charges ${charges.length}, mails ${JSON.stringify(mails)}, parked ${JSON.stringify(parked)}`);
    expect(order.status).toBe('CONFIRMED');
    expect(product).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect(payments).toEqual([{ status: 'CAPTURED' }]);
    expect(charges).toHaveLength(1);
    expect(mails).toHaveLength(2);
  }, 60_000);
});
