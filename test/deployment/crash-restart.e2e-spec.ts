import { AppProcess } from '../support/shop/app-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const SKUS = Array.from({ length: 10 }, (_, i) => `KILL-${i}`);
const UNITS = 30;
const ORDERS = 200;

describe('kill -9 of the single process in the middle of 200 orders (in-process transport)', () => {
  let db: TestDatabase;
  let app: AppProcess;
  const count = async (sql: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`))[0].n;
  const order = (i: number) =>
    fetch(`${app.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customerId: '0193a2b4-0000-7000-8000-000000000001',
        customerEmail: 'ada@example.com',
        items: [{ sku: SKUS[i % SKUS.length], quantity: 1 }],
        paymentToken: i % 10 === 9 ? 'tok_chargeDeclined' : 'tok_visa',
      }),
    }).then((r) => r.status, () => 0);

  beforeAll(async () => {
    db = await createTestDatabase('kill9');
    app = await new AppProcess('kill9', { DATABASE_URL: db.url, RELAY_POLL_MAX_MS: '200', RATE_LIMIT_PER_MINUTE: '1000000' }).start();
    for (const sku of SKUS) {
      const r = await fetch(`${app.url}/inventory/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku, name: sku, priceCents: 100, quantity: UNITS }),
      });
      expect(r.status).toBe(201);
    }
    await waitFor('the catalog', async () => (await count('SELECT 1 FROM orders.catalog')) === SKUS.length);
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('after the restart every order reaches a final status, nothing is lost, no charge runs twice', async () => {
    const inFlight = Array.from({ length: ORDERS }, (_, i) => order(i));
    await waitFor('some orders committed', async () => (await count('SELECT 1 FROM orders.orders')) >= 40, { intervalMs: 5 });
    await app.kill();
    const statuses = await Promise.all(inFlight);
    const placedBeforeCrash = await count('SELECT 1 FROM orders.orders');
    expect(placedBeforeCrash).toBeLessThan(ORDERS); // the crash really came in the middle

    await app.start();
    // Finish the 200: the requests the crash refused are sent again.
    const refused = statuses.map((s, i) => (s === 201 ? -1 : i)).filter((i) => i >= 0);
    const missing = ORDERS - placedBeforeCrash;
    for (const i of refused.slice(0, missing)) expect(await order(i)).toBe(201);
    expect(await count('SELECT 1 FROM orders.orders')).toBe(ORDERS);

    await waitFor('no order PENDING', async () => (await count(`SELECT 1 FROM orders.orders WHERE status = 'PENDING'`)) === 0, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    const outcomes = await db.query<{ status: string; reason: string | null; n: number }>(
      `SELECT status, cancellation_reason AS reason, count(*)::int AS n FROM orders.orders GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const charged = await db.query<{ id: string }>(
      `SELECT id FROM orders.orders WHERE status = 'CONFIRMED' OR cancellation_reason = 'PAYMENT_DECLINED'`,
    );
    const keys = (await db.query<{ key: string }>('SELECT idempotency_key AS key FROM gateway_simulator.charges')).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(charged.map((r) => r.id).sort());
    expect(outcomes.reduce((n, o) => n + o.n, 0)).toBe(ORDERS);

    await waitFor('reservations settled', async () => (await count('SELECT 1 FROM inventory.products WHERE reserved > 0')) === 0);
    const stock = await db.query<{ sku: string; total: number }>('SELECT sku, available + reserved + sold AS total FROM inventory.products');
    expect(stock.every((s) => s.total === UNITS)).toBe(true);
    // An order is final before its last event (OrderConfirmed/OrderCancelled) has reached every reader.
    await waitFor('the orders outbox published', async () => (await count('SELECT 1 FROM orders.outbox WHERE published_at IS NULL')) === 0);
    expect(await count('SELECT 1 FROM orders.dead_letter')).toBe(0);
    expect(await count(`SELECT 1 FROM notifications.notifications GROUP BY order_id, template HAVING count(*) > 1`)).toBe(0);
  });
});
