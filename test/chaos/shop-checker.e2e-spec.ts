import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { formatCheck, checkShop, ShopCheckInput } from '../support/checker/shop-checker';
import { waitForQuiescence } from '../support/checker/quiescence';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { NATS_URL } from '../support/test-broker';

/** The checker itself under test: green on a healthy run, red on each kind of corruption. */
describeWithNats('independent shop checker (real Postgres, real JetStream, the monolith)', () => {
  const shop = new InProcessShop('checker');
  let input: ShopCheckInput;
  const ids: Record<string, string[]> = { visa: [], declined: [], scarce: [] };

  beforeAll(async () => {
    await shop.setUp();
    await shop.registerProduct('CHK-A', 1250, 20);
    await shop.registerProduct('CHK-B', 500, 3);
    expect((await shop.http('POST', '/inventory/products/CHK-A/restock', { quantity: 5 })).status).toBe(200);
    const place = async (bucket: string, sku: string, quantity: number, token = 'tok_visa') => {
      const answer = await shop.placeOrder([{ sku, quantity }], token, { 'Idempotency-Key': randomUUID() });
      expect(answer.status).toBe(201);
      ids[bucket].push(answer.body.orderId);
    };
    for (let i = 0; i < 8; i++) await place('visa', 'CHK-A', 2);
    for (let i = 0; i < 2; i++) await place('declined', 'CHK-A', 1, 'tok_chargeDeclined');
    for (let i = 0; i < 3; i++) await place('scarce', 'CHK-B', 2);
    input = {
      databaseUrl: shop.db.url,
      nats: { url: NATS_URL, namespace: shop.namespace },
      acceptedOrderIds: Object.values(ids).flat(),
      stockIn: { 'CHK-A': 25, 'CHK-B': 3 },
    };
    const quiet = await waitForQuiescence(input, { timeoutMs: 60_000, stableMs: 1_000 });
    expect(quiet).toMatchObject({ quiet: true });
  });
  afterAll(() => shop.tearDown());

  it('finds no violation in a healthy saga run (confirmed, declined, out of stock)', async () => {
    const result = await checkShop(input);
    console.log(formatCheck(result));
    expect(result.violations).toEqual([]);
    expect(result.counts).toMatchObject({ orders: 13, confirmed: 9, cancelled: 4, pending: 0 });
  });

  it('flags every corruption it is shown, each under its own invariant', async () => {
    const [confirmed] = ids.visa;
    const outOfStock = ids.scarce.at(-1)!;
    const db = shop.db;
    await db.query(`UPDATE inventory.products SET available = available + 1 WHERE sku = 'CHK-A'`);
    await db.query('ALTER TABLE notifications.notifications DROP CONSTRAINT notifications_order_id_template_key');
    await db.query(
      `INSERT INTO notifications.notifications (id, order_id, template, "to", subject) VALUES ($1, $2, 'order-received', 'x@example.com', 'again')`,
      [randomUUID(), confirmed],
    );
    await db.query(
      `INSERT INTO gateway_simulator.charges (idempotency_key, token, amount_cents, outcome, charge_id) VALUES ($1, 'tok_visa', 1000, 'captured', 'ch_kept')`,
      [outOfStock],
    );
    const [placed] = await db.query(`SELECT id FROM orders.outbox WHERE aggregate_id = $1 AND type = 'orders.OrderPlaced'`, [confirmed]);
    await db.query(`DELETE FROM payments.inbox WHERE event_id = $1`, [placed.id]);
    const [reserved] = await db.query(`SELECT id FROM inventory.outbox WHERE aggregate_id = $1`, [confirmed]);
    // Due only in an hour, so the running shop's relay cannot publish it again before the check.
    await db.query(`UPDATE inventory.outbox SET published_at = NULL, available_at = now() + interval '1 hour' WHERE id = $1`, [
      reserved.id,
    ]);
    const phantom = randomUUID();
    const nc = await connect({ servers: NATS_URL });
    await nc.jetstream().publish(`${shop.namespace}.orders.OrderPlaced`, JSON.stringify({ id: phantom }), { msgID: phantom });
    await nc.close();

    const result = await checkShop(input);
    console.log(formatCheck(result));
    const flagged = (invariant: string) => result.violations.filter((v) => v.invariant === invariant).map((v) => v.subject);
    expect(flagged('stock-conserved')).toEqual(['CHK-A']);
    expect(flagged('email-once')).toEqual([confirmed]);
    expect(flagged('money-kept')).toEqual([outOfStock]);
    expect(flagged('event-not-consumed')).toEqual([`payments/${placed.id}`]);
    expect(flagged('outbox-unpublished')).toEqual([`inventory/${reserved.id}`]);
    expect(flagged('stream-unknown')).toEqual([`orders/${phantom}`]);
    expect(result.ok).toBe(false);
  });
});
