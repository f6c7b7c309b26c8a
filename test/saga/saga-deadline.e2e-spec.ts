import { describeWithNats } from '../support/requires-nats';
import { ProcessShop } from '../support/shop/process-shop';
import { waitFor } from '../support/wait-for';

/**
 * The saga's deadline: with payments down, orders do not stay PENDING; they are cancelled
 * (TIMED_OUT) after ORDER_TIMEOUT_MS and their stock goes back. When payments comes back and
 * catches up (intents, charges, cancels in whatever order its consumers take them), no money is
 * kept for a cancelled order and nothing is charged for an order that does not keep it.
 */
describeWithNats('saga deadline (services as processes, real Postgres, real JetStream)', () => {
  const shop = new ProcessShop('deadline', [['orders', 'inventory', 'notifications'], ['payments']], { ORDER_TIMEOUT_MS: '3000' });
  beforeAll(() => shop.setUp());
  afterAll(() => shop.tearDown());

  it('payments stopped: orders are TIMED_OUT with stock released; payments back: every charge refunded or never made', async () => {
    await shop.registerProduct('LATE-1', 700, 20);
    const payments = shop.service('payments');
    expect((await payments.stop()).code).toBe(0);

    const placed = await Promise.all(Array.from({ length: 10 }, () => shop.placeOrder([{ sku: 'LATE-1', quantity: 1 }])));
    const ids = placed.map((p) => p.body.orderId as string);
    const finals = await shop.finalOrders(ids, 60_000);
    expect(finals.map((o) => `${o.status}/${o.cancellationReason}`)).toEqual(ids.map(() => 'CANCELLED/TIMED_OUT'));
    await waitFor('stock released', async () => (await shop.product('LATE-1')).reserved === 0);
    expect(await shop.product('LATE-1')).toMatchObject({ available: 20, reserved: 0, sold: 0 });

    await payments.start();
    const { result, report } = await shop.verify(ids, { 'LATE-1': 20 });
    if (!result.ok) console.log(report);
    expect(result.violations).toEqual([]);
    const kept = await shop.db.query(
      `SELECT c.idempotency_key FROM gateway_simulator.charges c
       WHERE c.outcome = 'captured' AND NOT EXISTS (SELECT 1 FROM gateway_simulator.refunds r WHERE r.charge_id = c.charge_id)`,
    );
    expect(kept).toEqual([]);
    const statuses = await Promise.all(ids.map(async (id) => (await shop.http('GET', `/payments?orderId=${id}`)).body.map((p: any) => p.status)));
    expect(statuses.flat().every((s) => s === 'VOIDED' || s === 'REFUNDED')).toBe(true);
    expect((await shop.product('LATE-1')).available).toBe(20);
  });
});
