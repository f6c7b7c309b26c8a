import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_PRICE_CENTS } from '../../src/contracts/shared-schemas';
import { NATS_AVAILABLE } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { Shop } from '../support/shop/shop';
import { waitFor } from '../support/wait-for';

const TOPOLOGIES: [string, (name: string) => Shop][] = [
  ...(NATS_AVAILABLE ? [['monolith over JetStream', (name: string) => new InProcessShop(name)] as [string, (name: string) => Shop]] : []),
  ['monolith in-process (no broker)', (name) => new InProcessShop(`${name}_ip`, { NATS_URL: '' })],
];

/** The largest order the API allows: every line at its top quantity, every unit at the top price. */
const LARGEST_TOTAL = MAX_ORDER_LINES * MAX_LINE_QUANTITY * MAX_PRICE_CENTS;

describe.each(TOPOLOGIES)('edge inputs end final, %s (real Postgres)', (_topology, makeShop) => {
  const world = makeShop('edge');

  beforeAll(async () => {
    await world.setUp();
    await world.registerProduct('EDGE-MAIL', 100, 100);
  });
  afterAll(() => world.tearDown());

  const count = async (sql: string, params: unknown[] = []) =>
    (await world.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`, params))[0].n;

  it.each(['jörg@example.de', '"john doe"@x.com'])(
    'the e-mail %s is refused with nothing stored, or the order ends CONFIRMED: never stuck PENDING',
    async (customerEmail) => {
      const [ordersBefore, outboxBefore] = [await count('SELECT 1 FROM orders.orders'), await count('SELECT 1 FROM orders.outbox')];
      const answer = await world.http('POST', '/orders', {
        customerId: '0193a2b4-0000-7000-8000-000000000001',
        customerEmail,
        items: [{ sku: 'EDGE-MAIL', quantity: 1 }],
        paymentToken: 'tok_visa',
      });
      if (answer.status === 400) {
        expect(answer.body.message).toMatch(/customerEmail/);
        expect(await count('SELECT 1 FROM orders.orders WHERE customer_email = $1', [customerEmail])).toBe(0);
        expect(await count('SELECT 1 FROM orders.orders')).toBe(ordersBefore);
        expect(await count('SELECT 1 FROM orders.outbox')).toBe(outboxBefore);
        return;
      }
      expect(answer.status).toBe(201);
      expect(await world.finalOrder(answer.body.orderId)).toMatchObject({ status: 'CONFIRMED', customerEmail });
    },
  );

  it(`the largest order (${MAX_ORDER_LINES} lines × ${MAX_LINE_QUANTITY} at ${MAX_PRICE_CENTS} cents) is stored, read and charged exactly`, async () => {
    // Two lines per sku: inventory reserves their sum (2,000 a sku), past a single line's limit.
    const skus = Array.from({ length: MAX_ORDER_LINES / 2 }, (_, i) => `EDGE-MAX-${i}`);
    for (const sku of skus) await world.registerProduct(sku, MAX_PRICE_CENTS, 2 * MAX_LINE_QUANTITY);
    const items = [...skus, ...skus].map((sku) => ({ sku, quantity: MAX_LINE_QUANTITY }));

    const placed = await world.placeOrder(items);
    expect(placed.status).toBe(201);
    expect(placed.body.totalCents).toBe(LARGEST_TOTAL);
    const orderId = placed.body.orderId;

    const read = await world.http('GET', `/orders/${orderId}`);
    expect(read.status).toBe(200);
    expect(read.body.totalCents).toBe(LARGEST_TOTAL);
    expect(await world.finalOrder(orderId, 60_000)).toMatchObject({ status: 'CONFIRMED', totalCents: LARGEST_TOTAL });

    const payments = await waitFor('the capture', async () => {
      const list = (await world.http('GET', `/payments?orderId=${orderId}`)).body;
      return list?.some((p: any) => p.status === 'CAPTURED') ? list : undefined;
    });
    expect(payments).toEqual([expect.objectContaining({ orderId, status: 'CAPTURED', amountCents: LARGEST_TOTAL })]);
    const ledger = await world.paymentsDb.query<{ amount: string }>(
      `SELECT amount_cents::text AS amount FROM gateway_simulator.charges WHERE idempotency_key LIKE $1`,
      [`%${orderId}%`],
    );
    expect(ledger).toEqual([{ amount: String(LARGEST_TOTAL) }]);
    await waitFor('the stock sold', async () => (await world.product(skus[0])).sold === 2 * MAX_LINE_QUANTITY);
    expect(await world.product(skus[skus.length - 1])).toMatchObject({ available: 0, reserved: 0, sold: 2 * MAX_LINE_QUANTITY });
  });

  it('one unit or one line past the limits is a 400 that stores nothing', async () => {
    const outboxBefore = await count('SELECT 1 FROM orders.outbox');
    const tooMany = await world.placeOrder([{ sku: 'EDGE-MAIL', quantity: MAX_LINE_QUANTITY + 1 }]);
    const tooLong = await world.placeOrder(Array.from({ length: MAX_ORDER_LINES + 1 }, () => ({ sku: 'EDGE-MAIL', quantity: 1 })));
    const tooDear = await world.http('POST', '/inventory/products', { sku: 'EDGE-DEAR', name: 'Dear', priceCents: MAX_PRICE_CENTS + 1, quantity: 1 });
    expect([tooMany.status, tooLong.status, tooDear.status]).toEqual([400, 400, 400]);
    expect(await count('SELECT 1 FROM orders.outbox')).toBe(outboxBefore);
    expect(await count(`SELECT 1 FROM inventory.products WHERE sku = 'EDGE-DEAR'`)).toBe(0);
  });
});
