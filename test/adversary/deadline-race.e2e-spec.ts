import { describeWithNats } from '../support/requires-nats';
import { ProcessShop } from '../support/shop/process-shop';

/**
 * ADVERSARY: a deadline (ORDER_TIMEOUT_MS=1000) that races every step of the saga, each module in
 * its own process and payments twice (two gateway workers), a burst of orders: the checker judges.
 */
describeWithNats('adversary: 1 s deadline racing the saga, one module per process, payments x2', () => {
  const shop = new ProcessShop(
    'adv_race',
    [['orders'], ['inventory'], ['payments'], ['payments'], ['notifications']],
    { ORDER_TIMEOUT_MS: '1000', DATABASE_POOL_SIZE: '3' },
  );
  beforeAll(() => shop.setUp(), 120_000);
  afterAll(() => shop.tearDown());

  it('every order final, money never kept for a cancelled order, stock conserved', async () => {
    await shop.registerProduct('RACE-1', 500, 200);
    await shop.registerProduct('RACE-2', 900, 30);
    const ids: string[] = [];
    for (let wave = 0; wave < 4; wave++) {
      const placed = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          shop.placeOrder(i % 3 === 0 ? [{ sku: 'RACE-1', quantity: 1 }, { sku: 'RACE-2', quantity: 1 }] : [{ sku: 'RACE-1', quantity: 1 }],
            i % 7 === 0 ? 'tok_chargeDeclined' : 'tok_visa'),
        ),
      );
      for (const p of placed) if (p.status === 201) ids.push(p.body.orderId);
      await new Promise((r) => setTimeout(r, 700));
    }
    const finals = await shop.finalOrders(ids, 120_000);
    const tally: Record<string, number> = {};
    for (const o of finals) tally[`${o.status}/${o.cancellationReason ?? ''}`] = (tally[`${o.status}/${o.cancellationReason ?? ''}`] ?? 0) + 1;
    console.log(`accepted ${ids.length}: ${JSON.stringify(tally)}`);
    const { result, report } = await shop.verify(ids, { 'RACE-1': 200, 'RACE-2': 30 });
    console.log(report);
    const kept = await shop.paymentsDb.query(
      `SELECT c.idempotency_key FROM gateway_simulator.charges c
       WHERE c.outcome = 'captured' AND NOT EXISTS (SELECT 1 FROM gateway_simulator.refunds r WHERE r.charge_id = c.charge_id)`,
    );
    const confirmed = finals.filter((o) => o.status === 'CONFIRMED').map((o) => o.orderId ?? o.id);
    const keptNotConfirmed = kept.filter((k: any) => !confirmed.includes(k.idempotency_key));
    console.log(`gateway captures kept: ${kept.length}; confirmed: ${confirmed.length}; kept without a confirmed order: ${keptNotConfirmed.length}`);
    const stuck = await shop.paymentsDb.query(`SELECT status, count(*)::int AS n FROM payments.payments GROUP BY status`);
    console.log(`payments by status: ${JSON.stringify(stuck)}`);
    expect(result.violations).toEqual([]);
    expect(keptNotConfirmed).toEqual([]);
  }, 400_000);
});
