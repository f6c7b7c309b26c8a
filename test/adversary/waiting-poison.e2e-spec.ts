import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { NATS_URL } from '../support/test-broker';

/**
 * ADVERSARY: events that pass their contract but wait for something that never comes (a
 * PaymentCaptured for an order that does not exist) are "waiting" (NotYetError): naked for
 * ever, never counted, never parked. Each stays ack-pending on its durable; max_ack_pending is
 * 1000, so 1000 of them stop that durable: real orders' captures are no longer delivered.
 */
describeWithNats('adversary: waiting poison on one durable', () => {
  const shop = new InProcessShop('adv_poison', { ORDER_TIMEOUT_MS: '120000', TEST_LOG_LEVEL: 'silent' });
  beforeAll(() => shop.setUp(), 60_000);
  afterAll(() => shop.tearDown());

  const envelope = (orderId: string) => ({
    id: randomUUID(),
    type: 'payments.PaymentCaptured',
    version: 1,
    occurredAt: new Date().toISOString(),
    aggregateType: 'Payment',
    aggregateId: randomUUID(),
    aggregateVersion: 2,
    correlationId: orderId,
    causationId: randomUUID(),
    payload: { orderId, paymentId: randomUUID(), amountCents: 100 },
  });

  it('a lone poison event is never parked (retried for ever)', async () => {
    const nc = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    const e = envelope(randomUUID());
    await js.publish(`${shop.namespace}.payments.PaymentCaptured`, JSON.stringify(e), { msgID: e.id });
    await new Promise((r) => setTimeout(r, 8_000));
    const parked = await shop.db.query(`SELECT count(*)::int AS n FROM orders.dead_letter WHERE event_id = $1`, [e.id]);
    const jsm = await nc.jetstreamManager();
    const info = await jsm.consumers.info(`${shop.namespace.toUpperCase()}_PAYMENTS`, 'orders_PaymentCaptured');
    console.log(`lone poison after 8 s: parked=${parked[0].n} ack_pending=${info.num_ack_pending} redelivered=${info.num_redelivered}`);
    await nc.close();
  }, 30_000);

  it('1000 poison events stop the orders_PaymentCaptured durable: a real order is not confirmed', async () => {
    await shop.registerProduct('POISON-1', 100, 10);
    const before = await shop.placeOrder([{ sku: 'POISON-1', quantity: 1 }]);
    const control = await shop.finalOrder(before.body.orderId, 20_000);
    console.log(`control order before the poison: ${control.status}`);

    const nc = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    await Promise.all(
      Array.from({ length: 1000 }, () => {
        const e = envelope(randomUUID());
        return js.publish(`${shop.namespace}.payments.PaymentCaptured`, JSON.stringify(e), { msgID: e.id });
      }),
    );
    await new Promise((r) => setTimeout(r, 5_000));
    const jsm = await nc.jetstreamManager();
    const info = await jsm.consumers.info(`${shop.namespace.toUpperCase()}_PAYMENTS`, 'orders_PaymentCaptured');
    console.log(`after 1000 poison: ack_pending=${info.num_ack_pending} pending=${info.num_pending} redelivered=${info.num_redelivered}`);

    const placed = await shop.placeOrder([{ sku: 'POISON-1', quantity: 1 }]);
    const started = Date.now();
    let status = 'PENDING';
    while (Date.now() - started < 30_000 && status === 'PENDING') {
      status = (await shop.http('GET', `/orders/${placed.body.orderId}`)).body.status;
      if (status === 'PENDING') await new Promise((r) => setTimeout(r, 500));
    }
    const payments = (await shop.http('GET', `/payments?orderId=${placed.body.orderId}`)).body;
    const info2 = await jsm.consumers.info(`${shop.namespace.toUpperCase()}_PAYMENTS`, 'orders_PaymentCaptured');
    console.log(
      `real order after ${Date.now() - started} ms: ${status}; payments: ${JSON.stringify(payments.map((p: any) => p.status))}; ` +
        `ack_pending=${info2.num_ack_pending} pending=${info2.num_pending}`,
    );
    await nc.close();
    expect(status).toBe('CONFIRMED');
  }, 90_000);
});
