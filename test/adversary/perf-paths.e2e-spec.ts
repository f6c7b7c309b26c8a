import { randomUUID } from 'node:crypto';
import { AddressInfo, connect, Socket } from 'node:net';
import { Client } from 'pg';
import { HttpLoad } from '../../src/platform/http/http-load';
import { describeWithNats } from '../support/requires-nats';
import { deleteNamespace } from '../support/test-broker';
import { InProcessShop } from '../support/shop/in-process-shop';
import { ProcessShop } from '../support/shop/process-shop';
import { waitFor } from '../support/wait-for';

const ORDER = JSON.stringify({
  customerId: '0193a2b4-0000-7000-8000-000000000001',
  customerEmail: 'ada@example.com',
  items: [{ sku: 'PERF-1', quantity: 1 }],
  paymentToken: 'tok_visa',
});

/** ADVERSARY on the performance paths: consumers giving way to HTTP must never be held back for good by a client. */
describeWithNats('adversary: performance paths (monolith over JetStream)', () => {
  const shop = new InProcessShop('adv_perf');
  let load: HttpLoad;
  let port: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    await shop.setUp();
    load = shop.app.get(HttpLoad, { strict: false });
    port = (shop.app.getHttpServer().address() as AddressInfo).port;
    await shop.registerProduct('PERF-1', 100, 1_000);
  }, 60_000);
  afterEach(() => sockets.splice(0).forEach((s) => s.destroy()));
  afterAll(() => shop.tearDown());

  const open = (raw: string): Promise<Socket> =>
    new Promise((done) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(raw);
        done(socket);
      });
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      sockets.push(socket);
    });

  it('50 requests trickling their bodies are not being answered: consumers are not throttled, 20 orders confirm, nothing is left counted', async () => {
    for (let i = 0; i < 50; i++) {
      await open(`POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${ORDER.length}\r\n\r\n${ORDER.slice(0, 10)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
    // Before: each counted from its headers, forever (Fastify has no request timeout), so one socket throttled every module.
    expect(load.requests).toBe(0);
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await shop.placeOrder([{ sku: 'PERF-1', quantity: 1 }])).body.orderId);
    const finals = await shop.finalOrders(ids, 30_000);
    console.log(`20 orders final in ${Date.now() - started} ms with 50 trickling bodies held open`);
    expect(finals.map((o) => o.status)).toEqual(ids.map(() => 'CONFIRMED'));
    sockets.splice(0).forEach((s) => s.destroy());
    await waitFor('no request counted', () => load.requests === 0, { timeoutMs: 5_000 });
  }, 60_000);

  it('clients gone right after a whole body, or with pipelined requests queued: the count returns to 0', async () => {
    const post = `POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${ORDER.length}\r\n\r\n${ORDER}`;
    const get = `GET /orders/0193a2b4-0000-7000-8000-00000000dead HTTP/1.1\r\nHost: x\r\n\r\n`;
    const gone: Promise<void>[] = [];
    for (let i = 0; i < 150; i++) {
      const raw = i % 3 === 0 ? post + post + get : i % 3 === 1 ? post : get + post;
      gone.push(open(raw).then((s) => void setTimeout(() => s.destroy(), i % 5)));
    }
    await Promise.all(gone);
    // Let the server get through what it read before the clients left.
    await new Promise((r) => setTimeout(r, 1_000));
    // Before: a POST whose client left after its body got neither onResponse nor onRequestAbort, and stayed counted.
    const settled = await waitFor('no request counted', () => (load.requests === 0 ? true : undefined), { timeoutMs: 10_000 }).catch(() => false);
    console.log(`requests still counted: ${load.requests}`);
    expect(settled).toBe(true);
    expect(load.busy).toBe(false);
  }, 30_000);

  it('requests that fail (404, 400, refused content type) and a live /flow stream leave nothing counted', async () => {
    await shop.http('GET', '/no/such/path');
    await shop.http('POST', '/orders', '{not json', { 'content-type': 'application/json' });
    await shop.http('POST', '/orders', 'x', { 'content-type': 'text/plain' });
    const flow = await open(`GET /flow/events HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    expect(load.requests).toBe(0);
    flow.destroy();
  }, 30_000);
});

/** Work claimed at commit and run at once (CommandWorker.runNow) while the process stops. */
describeWithNats('adversary: claimed work at shutdown (monolith over JetStream)', () => {
  const shop = new InProcessShop('adv_perf_stop');
  beforeAll(async () => {
    await shop.setUp();
    await shop.registerProduct('PERF-STOP', 100, 1_000);
  }, 60_000);
  // The app is closed by the test itself.
  afterAll(async () => {
    await shop.db?.drop();
    await deleteNamespace(shop.namespace);
  });

  it('a graceful stop while orders go through leaves no payment or e-mail claimed by the stopped process', async () => {
    const placed = await Promise.all(Array.from({ length: 60 }, () => shop.placeOrder([{ sku: 'PERF-STOP', quantity: 1 }])));
    expect(placed.every((p) => p.status === 201 || p.status === 202)).toBe(true);
    // Mid-saga: some charges asked for, not all decided.
    await waitFor('charges asked for', async () => (await shop.db.query(`SELECT 1 FROM payments.payments WHERE status = 'CHARGING'`)).length >= 1, { intervalMs: 5 });
    await shop.app.close();
    const claimed = await shop.db.query(
      `SELECT 'payment' AS what, status, last_error FROM payments.payments WHERE claimed_until > now()
       UNION ALL SELECT 'email', template, last_error FROM notifications.notifications WHERE sent_at IS NULL AND claimed_until > now()`,
    );
    console.log(`left claimed after the stop: ${JSON.stringify(claimed)}`);
    // A row left claimed waits out its lease (30 s a charge, 60 s an e-mail) before the next process takes it.
    expect(claimed).toEqual([]);
  }, 60_000);
});

/** sql.later: blind writes go with the COMMIT; a CHECK they break must still undo the whole delivery and count as its own failure. */
describeWithNats('adversary: a write queued for the commit breaking a CHECK (monolith over JetStream)', () => {
  const shop = new InProcessShop('adv_perf_later', { CONSUMER_MAX_DELIVERIES: '2', CONSUMER_BACKOFF_BASE_MS: '50' });
  beforeAll(() => shop.setUp(), 60_000);
  afterAll(() => shop.tearDown());

  it('a release driving reserved below 0 at COMMIT: nothing of it stays (reservation, closed order), and it is parked as faulty, not retried for ever', async () => {
    await shop.registerProduct('PERF-CHK', 100, 10);
    const declined = (await shop.placeOrder([{ sku: 'PERF-CHK', quantity: 1 }], 'tok_chargeDeclined')).body.orderId;
    expect((await shop.finalOrder(declined)).status).toBe('CANCELLED');
    await waitFor('stock released', async () => (await shop.product('PERF-CHK')).reserved === 0);
    const [{ envelope }] = await shop.db.query<{ envelope: any }>(
      `SELECT envelope FROM orders.outbox WHERE aggregate_id = $1 AND type LIKE '%OrderCancelled%'`,
      [declined],
    );
    // A reservation the product's counters do not hold (reserved is 0): its release breaks CHECK (reserved >= 0), at COMMIT.
    const orderId = randomUUID();
    await shop.db.query(`INSERT INTO inventory.reservations (order_id, sku, quantity, status) VALUES ($1, 'PERF-CHK', 5, 'RESERVED')`, [orderId]);
    const event = { ...envelope, id: randomUUID(), aggregateId: orderId, payload: { ...envelope.payload, orderId } };
    await shop.deliverLate(event);
    const parked = await waitFor(
      'the release parked',
      async () => (await shop.db.query(`SELECT error, attempts FROM inventory.dead_letter WHERE event_id = $1`, [event.id]))[0],
      { timeoutMs: 20_000 },
    );
    console.log(`parked: ${JSON.stringify(parked)}`);
    expect(parked.error).toMatch(/check constraint/);
    expect(await shop.db.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [orderId])).toEqual([{ status: 'RESERVED' }]);
    expect(await shop.db.query(`SELECT 1 FROM inventory.closed_orders WHERE order_id = $1`, [orderId])).toEqual([]);
    expect(await shop.product('PERF-CHK')).toMatchObject({ available: 10, reserved: 0, sold: 0 });
  }, 45_000);
});

/** A charge run at once by the process that claimed it, and the saga's deadline cancelling the order while it runs. */
describeWithNats('adversary: a cancel racing the charge run at once (monolith over JetStream)', () => {
  const shop = new InProcessShop('adv_perf_cancel', { ORDER_TIMEOUT_MS: '3000' });
  beforeAll(() => shop.setUp(), 60_000);
  afterAll(() => shop.tearDown());

  it('the gateway held while the deadline cancels the order: charged once, refunded, the order CANCELLED', async () => {
    await shop.registerProduct('PERF-RACE', 100, 10);
    // The gateway's ledger locked against inserts: the charge in flight waits there, as a slow gateway would.
    const gate = new Client({ connectionString: shop.db.url });
    await gate.connect();
    await gate.query('BEGIN');
    await gate.query('LOCK TABLE gateway_simulator.charges IN EXCLUSIVE MODE');
    let orderId = '';
    try {
      orderId = (await shop.placeOrder([{ sku: 'PERF-RACE', quantity: 1 }])).body.orderId;
      await waitFor('charge in flight', async () => (await shop.db.query(`SELECT 1 FROM payments.payments WHERE order_id = $1 AND status = 'CHARGING'`, [orderId])).length === 1);
      expect((await shop.finalOrder(orderId, 15_000)).status).toBe('CANCELLED');
      await waitFor('cancel recorded', async () => (await shop.db.query(`SELECT 1 FROM payments.payments WHERE order_id = $1 AND cancel_requested`, [orderId])).length === 1);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await gate.query('COMMIT');
      await gate.end();
    }
    const payment = await waitFor('payment decided', async () => {
      const [p] = await shop.db.query(`SELECT status FROM payments.payments WHERE order_id = $1`, [orderId]);
      return p && !['CHARGING', 'REFUNDING'].includes(p.status) ? p : undefined;
    }, { timeoutMs: 20_000 });
    const charges = await shop.db.query(`SELECT outcome FROM gateway_simulator.charges WHERE idempotency_key = $1`, [orderId]);
    const refunds = await shop.db.query(`SELECT 1 FROM gateway_simulator.refunds WHERE idempotency_key = $1`, [`refund:${orderId}`]);
    console.log(`payment ${payment.status}, charges ${JSON.stringify(charges)}, refunds ${refunds.length}`);
    expect(payment.status).toBe('REFUNDED');
    expect(charges).toEqual([{ outcome: 'captured' }]);
    expect(refunds).toHaveLength(1);
    expect((await shop.http('GET', `/orders/${orderId}`)).body.status).toBe('CANCELLED');
  }, 60_000);
});

/** Payments as its own process, its charges claimed at commit and run at once: stopped (SIGTERM) or killed (-9) with charges in flight. */
describeWithNats('adversary: charges in flight when payments stops or dies (built app, payments on its own)', () => {
  const shop = new ProcessShop('adv_perf_crash', [['orders', 'inventory', 'notifications'], ['payments']]);
  beforeAll(() => shop.setUp(), 120_000);
  afterAll(() => shop.tearDown());

  /** The gateway's ledger locked against inserts: charges in flight wait there, as on a slow gateway. */
  const holdGateway = async () => {
    const gate = new Client({ connectionString: shop.db.url });
    await gate.connect();
    await gate.query('BEGIN');
    await gate.query('LOCK TABLE gateway_simulator.charges IN EXCLUSIVE MODE');
    return async () => {
      await gate.query('COMMIT');
      await gate.end();
    };
  };
  const chargesInFlight = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await shop.placeOrder([{ sku: 'PERF-CRASH', quantity: 1 }])).body.orderId);
    await waitFor(`${n} charges in flight`, async () => (await shop.db.query(`SELECT 1 FROM payments.payments WHERE order_id = ANY($1) AND status = 'CHARGING'`, [ids])).length === n);
    return ids;
  };
  const chargedOnce = async (ids: string[]) =>
    (await shop.db.query(`SELECT idempotency_key FROM gateway_simulator.charges WHERE idempotency_key = ANY($1)`, [ids])).length;

  it('SIGTERM waits for the charges it runs, leaves none claimed; a restart then confirms at once', async () => {
    await shop.registerProduct('PERF-CRASH', 100, 100);
    const release = await holdGateway();
    const ids = await chargesInFlight(3);
    const stopped = shop.service('payments').stop();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(shop.service('payments').running).toBe(true);
    await release();
    expect(await stopped).toMatchObject({ signal: null });
    expect(await shop.db.query(`SELECT status FROM payments.payments WHERE order_id = ANY($1) AND claimed_until > now()`, [ids])).toEqual([]);
    await shop.service('payments').start();
    const finals = await shop.finalOrders(ids, 30_000);
    expect(finals.map((o) => o.status)).toEqual(ids.map(() => 'CONFIRMED'));
    expect(await chargedOnce(ids)).toBe(3);
  }, 90_000);

  it('kill -9 with charges in flight: nothing lost or charged twice; the charges wait out their 30 s claim', async () => {
    const release = await holdGateway();
    const ids = await chargesInFlight(3);
    await shop.service('payments').kill();
    await release();
    const restarted = Date.now();
    await shop.service('payments').start();
    const finals = await shop.finalOrders(ids, 60_000);
    const tookMs = Date.now() - restarted;
    console.log(`after kill -9: ${ids.length} orders confirmed ${tookMs} ms after the restart began`);
    expect(finals.map((o) => o.status)).toEqual(ids.map(() => 'CONFIRMED'));
    expect(await chargedOnce(ids)).toBe(3);
    // The 30 s claim, once: a second wait for it would show.
    expect(tookMs).toBeLessThan(55_000);
  }, 100_000);
});
