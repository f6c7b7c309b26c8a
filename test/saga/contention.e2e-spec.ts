import { randomUUID } from 'node:crypto';
import { TOPOLOGIES } from '../support/shop/topologies';
import { waitFor } from '../support/wait-for';

/**
 * Twice as many single-unit orders as units, all at once: half must be confirmed, half cancelled.
 * The default (100 orders over 5 skus, 20 orders racing for each sku's 10 units) keeps the
 * three topologies inside CI's budget; `npm run test:long` runs 1,000 orders over 50 skus.
 */
const SKUS = Number(process.env.CONTENTION_SKUS ?? 5);
const UNITS = 10;
const ORDERS = 2 * SKUS * UNITS;

describe.each(TOPOLOGIES)(`contention, %s: ${ORDERS} concurrent single-unit orders over ${SKUS} skus of ${UNITS} units`, (_t, makeShop) => {
  const world = makeShop('contention');
  const skus = Array.from({ length: SKUS }, (_, i) => `HOT-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    await world.setUp();
    for (const sku of skus) await world.registerProduct(sku, 100 + skus.indexOf(sku), UNITS);
  });
  afterAll(() => world.tearDown());

  it(`confirms exactly ${ORDERS / 2}, cancels ${ORDERS / 2} OUT_OF_STOCK, never oversells, one charge per confirmed order`, async () => {
    const placed = await Promise.all(
      // Each order carries an Idempotency-Key, so a reset or a 503 in the burst is retried safely.
      Array.from({ length: ORDERS }, (_, i) =>
        world.placeOrder([{ sku: skus[i % SKUS], quantity: 1 }], 'tok_visa', { 'Idempotency-Key': randomUUID() }),
      ),
    );
    if (world.networkRetries > 0) console.warn(`contention: ${world.networkRetries} requests sent again after a connection error or a 503`);
    // Any refusal is shown with its answer (a bare true/false once hid a load-time failure).
    expect(placed.filter((p) => p.status !== 201).slice(0, 3).map((p) => [p.status, p.body])).toEqual([]);
    const ids = placed.map((p) => p.body.orderId as string);

    const statuses = await world.finalOrders(ids);
    expect(statuses.filter((o) => o.status === 'CONFIRMED')).toHaveLength(ORDERS / 2);
    expect(statuses.filter((o) => o.status === 'CANCELLED' && o.cancellationReason === 'OUT_OF_STOCK')).toHaveLength(ORDERS / 2);

    await waitFor('every reservation settled', async () => {
      const products = await Promise.all(skus.map((sku) => world.product(sku)));
      return products.every((p) => p.reserved === 0);
    });
    for (const sku of skus) {
      const p = await world.product(sku);
      expect(Math.min(p.available, p.reserved, p.sold)).toBeGreaterThanOrEqual(0);
      expect(p.available + p.reserved + p.sold).toBe(UNITS);
      expect(p).toMatchObject({ available: 0, sold: UNITS });
    }

    const confirmed = statuses.filter((o) => o.status === 'CONFIRMED').map((o) => o.orderId).sort();
    expect((await world.executedChargeKeys()).sort()).toEqual(confirmed);
  });
});
