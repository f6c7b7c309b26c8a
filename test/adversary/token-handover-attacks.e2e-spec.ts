import { randomUUID } from 'node:crypto';
import { describeWithNats } from '../support/requires-nats';
import { deleteNamespace } from '../support/test-broker';
import { InProcessShop } from '../support/shop/in-process-shop';
import { ProcessShop } from '../support/shop/process-shop';
import { PaymentHandoffWorker } from '../../src/modules/orders/infrastructure/payment-handoff.worker';

/**
 * A review's attacks on the card-token hand-over from memory (a placed order's token recorded
 * claimed for 15 s and handed over after the commit, PaymentHandoffWorker.handOver). It found a
 * stop held by every queued group while payments did not answer (47 s against 10 s before), and a
 * stop that never ended under steady POST load (the HTTP server still takes orders while the
 * shutdown hooks run); a stopping worker now finishes the request in flight and releases the rest.
 * The runs that take a minute each (kill -9 recoveries, stops under load, a keep-alive close of
 * up to 72 s that predates the hand-over) run with TEST_LONG=1 (`npm run test:long`).
 */
const describeLong = process.env.TEST_LONG === '1' ? describeWithNats : describe.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Logs, in the payments schema, every deposit attempt (BEFORE INSERT fires for ON CONFLICT DO NOTHING rows too), with its transaction. */
async function logDeposits(db: { query: (sql: string) => Promise<unknown> }): Promise<void> {
  await db.query(`
    CREATE TABLE public.deposit_attempts (order_id uuid NOT NULL, txid bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE FUNCTION public.log_deposit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO public.deposit_attempts (order_id, txid) VALUES (NEW.order_id, txid_current()); RETURN NEW; END $$;
    CREATE TRIGGER log_deposit BEFORE INSERT ON payments.payment_credentials FOR EACH ROW EXECUTE FUNCTION public.log_deposit();
    CREATE TABLE public.handoff_writes (op text NOT NULL, id uuid, claimed_ms double precision, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE FUNCTION public.log_handoff_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO public.handoff_writes (op, id, claimed_ms) VALUES (TG_OP, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
        CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE extract(epoch FROM NEW.claimed_until - now()) * 1000 END);
      RETURN NULL;
    END $$;
    CREATE TRIGGER log_handoff_write AFTER INSERT OR UPDATE OR DELETE ON orders.payment_handoffs FOR EACH ROW EXECUTE FUNCTION public.log_handoff_write();`);
}

/** Orders (with inventory and notifications) and payments in two processes; payments can be frozen (SIGSTOP). */
function ordersApartFromPayments(name: string) {
  const world = new ProcessShop(name, [['orders', 'inventory', 'notifications'], ['payments']]);
  const payments = () => world.services.get('payments')!;
  let frozen = false;
  beforeAll(() => world.setUp(), 120_000);
  afterAll(async () => {
    if (frozen) process.kill(payments().pid!, 'SIGCONT');
    await world.tearDown();
  }, 120_000);
  return {
    world,
    orders: () => world.services.get('orders+inventory+notifications')!,
    freeze: () => {
      process.kill(payments().pid!, 'SIGSTOP');
      frozen = true;
    },
    thaw: () => {
      process.kill(payments().pid!, 'SIGCONT');
      frozen = false;
    },
  };
}

describeWithNats('adversary: token hand-over with payments frozen, orders and payments in separate processes', () => {
  const { world, orders, freeze, thaw } = ordersApartFromPayments('adv_ho_frozen');

  it('SIGTERM of orders while payments does not answer: the stop is bounded by one hand-over (not by the queued groups); every order confirms once payments is back', async () => {
    await world.registerProduct('HO-FROZEN', 100, 1_000);
    freeze();
    const placed = await Promise.all(Array.from({ length: 100 }, () => world.placeOrder([{ sku: 'HO-FROZEN', quantity: 1 }])));
    expect(placed.every((p) => p.status === 201)).toBe(true);
    const ids = placed.map((p) => p.body.orderId as string);

    const started = Date.now();
    const stopped = await orders().stop(180_000);
    const stopMs = Date.now() - started;
    const claimedAfter = await world.db.query(`SELECT count(*)::int AS n FROM orders.payment_handoffs WHERE claimed_until > now()`);
    console.log(`orders stopped after ${stopMs} ms (${JSON.stringify(stopped)}); tokens left claimed: ${JSON.stringify(claimedAfter)}`);

    thaw();
    await orders().start();
    const finals = await world.finalOrders(ids, 120_000);
    expect(finals.map((o) => o.status)).toEqual(ids.map(() => 'CONFIRMED'));
    // A round before took at most 32 tokens: the stop waited for one round (2 x 5 s request timeouts) at most.
    // A k8s pod gets 30 s (terminationGracePeriodSeconds) before SIGKILL.
    expect(stopMs).toBeLessThan(15_000);
  }, 400_000);
});

describeLong('adversary: SIGTERM of the built app under steady POST load (one process, all modules, JetStream)', () => {
  const world = new ProcessShop('adv_ho_term', [['orders', 'inventory', 'payments', 'notifications']]);
  const app = () => world.services.get('orders+inventory+payments+notifications')!;
  beforeAll(() => world.setUp(), 120_000);
  afterAll(() => world.tearDown(), 120_000);

  // The parent commit is SIGKILLed here too (its HTTP close hangs ~70 s on a pending keep-alive request), but it
  // takes ~16 orders after the SIGTERM and leaves nothing claimed: the hand-over worker's hook returns in < 200 ms.
  it('after SIGTERM it does not go on taking orders for the whole grace period, and its SIGKILL leaves nothing claimed', async () => {
    await world.registerProduct('HO-TERM', 100, 100_000);
    let accepted = 0;
    const client = async () => {
      for (;;) {
        const r = await world.placeOrder([{ sku: 'HO-TERM', quantity: 1 }]).catch(() => undefined);
        if (!r) return; // the listener is gone
        if (r.status === 201) accepted++;
        else await sleep(20);
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await sleep(1_000);
    const t0 = Date.now();
    const before = accepted;
    const ended = await app().stop(30_000);
    const stopMs = Date.now() - t0;
    await Promise.all(clients);
    const claimed = await world.db.query(
      `SELECT 'handoff' AS what, count(*)::int AS n FROM orders.payment_handoffs WHERE claimed_until > now()
       UNION ALL SELECT 'payment', count(*)::int FROM payments.payments WHERE claimed_until > now()
       UNION ALL SELECT 'email', count(*)::int FROM notifications.notifications WHERE sent_at IS NULL AND claimed_until > now()`,
    );
    console.log(`SIGTERM under load: ended ${JSON.stringify(ended)} after ${stopMs} ms; ${accepted - before} orders accepted after the SIGTERM; left claimed ${JSON.stringify(claimed)}`);
    expect(claimed.filter((c: any) => c.n > 0)).toEqual([]);
    expect(accepted - before).toBeLessThan(500);
    await app().start();
  }, 300_000);
});

describeLong('adversary: kill -9 of orders with hand-overs in flight (orders and payments in separate processes)', () => {
  const { world, orders, freeze, thaw } = ordersApartFromPayments('adv_ho_kill');

  it('a burst of 150 POSTs, kill -9 right after: every order still confirms after the restart', async () => {
    await world.registerProduct('HO-KILL', 100, 10_000);
    const placed = await Promise.all(Array.from({ length: 150 }, () => world.placeOrder([{ sku: 'HO-KILL', quantity: 1 }])));
    await orders().kill();
    const ids = placed.filter((p) => p.status === 201).map((p) => p.body.orderId as string);
    const claimed = await world.db.query(`SELECT count(*)::int AS n FROM orders.payment_handoffs WHERE claimed_until > now()`);
    const t0 = Date.now();
    await orders().start();
    const finals = await world.finalOrders(ids, 120_000);
    console.log(`kill -9 after ${ids.length} orders: ${JSON.stringify(claimed)} tokens left claimed; all final ${Date.now() - t0} ms after the restart began`);
    expect(finals.filter((o) => o.status !== 'CONFIRMED')).toEqual([]);
  }, 300_000);

  it('payments not answering, kill -9 of orders mid hand-over: after the restart, how long until the orders confirm', async () => {
    freeze();
    const placed = await Promise.all(Array.from({ length: 60 }, () => world.placeOrder([{ sku: 'HO-KILL', quantity: 1 }])));
    const ids = placed.map((p) => p.body.orderId as string);
    await sleep(300);
    await orders().kill();
    const claimed = await world.db.query(`SELECT count(*)::int AS n, max(extract(epoch FROM claimed_until - now()) * 1000)::int AS ms FROM orders.payment_handoffs WHERE claimed_until > now()`);
    thaw();
    const t0 = Date.now();
    await orders().start();
    const finals = await world.finalOrders(ids, 120_000);
    console.log(`payments frozen, kill -9: ${JSON.stringify(claimed)} tokens left claimed; all final ${Date.now() - t0} ms after the restart began`);
    expect(finals.filter((o) => o.status !== 'CONFIRMED')).toEqual([]);
  }, 300_000);
});

/** POSTs that the HTTP server still takes while the shutdown hooks run (it closes only after beforeApplicationShutdown). */
(process.env.TEST_LONG === '1' ? describe : describe.skip).each([
  ['monolith over JetStream', {}],
  ['monolith in-process', { NATS_URL: '' }],
] as const)('adversary: orders placed during a graceful stop, %s', (label, env) => {
  const shop = new InProcessShop(`adv_ho_close${label.includes('in-process') ? '_ip' : ''}`, env);
  beforeAll(async () => {
    await shop.setUp();
    await shop.registerProduct('HO-CLOSE', 100, 10_000);
  }, 60_000);
  afterAll(async () => {
    await shop.db?.drop();
    if (shop.transport === 'jetstream') await deleteNamespace(shop.namespace);
  });

  it('a graceful stop under steady POST load completes (bounded), and leaves no token of an accepted order claimed', async () => {
    let stop = false;
    const accepted: string[] = [];
    const client = async () => {
      while (!stop) {
        const r = await shop.placeOrder([{ sku: 'HO-CLOSE', quantity: 1 }]).catch(() => undefined);
        if (!r) return;
        if (r.status === 201) accepted.push(r.body.orderId);
        else await sleep(20);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await sleep(500);
    const t0 = Date.now();
    const before = accepted.length;
    // When the hand-over worker's shutdown hook returns (the pools close only after every such hook).
    const worker = shop.app.get(PaymentHandoffWorker, { strict: false }) as any;
    const hook = worker.beforeApplicationShutdown.bind(worker);
    let hookMs = -1;
    let acceptedAtHook = 0;
    worker.beforeApplicationShutdown = async () => {
      await hook();
      hookMs = Date.now() - t0;
      acceptedAtHook = accepted.length - before;
    };
    const closing = shop.app.close().then(() => Date.now() - t0);
    const closedIn = await Promise.race([closing, sleep(20_000).then(() => -1)]);
    const duringClose = accepted.length - before;
    const hookAt20s = hookMs;
    // The clients go away (as a load balancer would stop sending after a while).
    stop = true;
    await Promise.all(clients);
    const totalMs = await closing;
    await sleep(200);
    const claimed = await shop.db.query<{ id: string; ms: number }>(
      `SELECT id, extract(epoch FROM claimed_until - now()) * 1000 AS ms FROM orders.payment_handoffs WHERE claimed_until > now()`,
    );
    const pending = await shop.db.query(`SELECT count(*)::int AS n FROM orders.payment_handoffs`);
    console.log(
      `${label}: close() ${closedIn < 0 ? 'NOT done after 20 s' : `done in ${closedIn} ms`} (${totalMs} ms once the clients stopped); ` +
        `PaymentHandoffWorker.beforeApplicationShutdown ${hookAt20s < 0 ? 'still running at 20 s' : `returned after ${hookAt20s} ms (${acceptedAtHook} accepted by then)`}, finally ${hookMs} ms; ` +
        `${duringClose} orders accepted (201) while closing, ${accepted.length} in all; hand-over rows ${JSON.stringify(pending)}; left claimed ${claimed.length}: ${JSON.stringify(claimed.slice(0, 3))}`,
    );
    expect(claimed).toEqual([]);
    // Its own hook: the old worker's stop waited for one round at most.
    expect(hookAt20s).toBeGreaterThanOrEqual(0);
  }, 120_000);
});

describe('adversary: idempotent replays and bursts (monolith in-process)', () => {
  const shop = new InProcessShop('adv_ho_burst', { NATS_URL: '' });
  beforeAll(async () => {
    await shop.setUp();
    await logDeposits(shop.db);
    await shop.registerProduct('HO-BURST', 100, 100_000);
  }, 60_000);
  afterAll(() => shop.tearDown());

  it('one Idempotency-Key sent 6 times at once and 3 times after: one order, one row, one hand-over', async () => {
    const key = randomUUID();
    const headers = { 'Idempotency-Key': key };
    const together = await Promise.all(Array.from({ length: 6 }, () => shop.placeOrder([{ sku: 'HO-BURST', quantity: 1 }], 'tok_visa', headers)));
    const after = [];
    for (let i = 0; i < 3; i++) after.push(await shop.placeOrder([{ sku: 'HO-BURST', quantity: 1 }], 'tok_visa', headers));
    const ids = new Set([...together, ...after].map((r) => r.body.orderId));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids];
    expect((await shop.finalOrder(orderId)).status).toBe('CONFIRMED');
    await sleep(500);
    const writes = await shop.db.query(`SELECT op FROM public.handoff_writes WHERE id = $1 ORDER BY at`, [orderId]);
    expect(writes.map((w: any) => w.op)).toEqual(['INSERT', 'DELETE']);
    expect(await shop.db.query(`SELECT 1 FROM public.deposit_attempts WHERE order_id = $1`, [orderId])).toHaveLength(1);
  });

  it('a burst of 400 orders: groups of at most 32, each token deposited once, no round needed, all confirmed', async () => {
    await shop.db.query('TRUNCATE public.deposit_attempts, public.handoff_writes');
    const ids: string[] = [];
    const worker = async () => {
      while (ids.length < 400) {
        const r = await shop.placeOrder([{ sku: 'HO-BURST', quantity: 1 }]);
        expect(r.status).toBe(201);
        ids.push(r.body.orderId);
      }
    };
    await Promise.all(Array.from({ length: 40 }, worker));
    const finals = await shop.finalOrders(ids, 180_000);
    expect(finals.filter((o) => o.status !== 'CONFIRMED')).toEqual([]);
    const groups = await shop.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.deposit_attempts WHERE order_id = ANY($1) GROUP BY txid`, [ids]);
    const twice = await shop.db.query(`SELECT order_id, count(*)::int AS n FROM public.deposit_attempts WHERE order_id = ANY($1) GROUP BY 1 HAVING count(*) > 1`, [ids]);
    const updates = await shop.db.query(`SELECT op, count(*)::int AS n FROM public.handoff_writes GROUP BY 1`);
    console.log(`groups: ${groups.length}, largest ${Math.max(...groups.map((g) => g.n))}; deposited twice: ${twice.length}; writes ${JSON.stringify(updates)}`);
    expect(Math.max(...groups.map((g) => g.n))).toBeLessThanOrEqual(32);
    expect(twice).toEqual([]);
    expect(await shop.db.query('SELECT 1 FROM orders.payment_handoffs')).toEqual([]);
  }, 300_000);
});

/** Traces: "one order is one trace". The hand-over now runs in the async context of the POST that started the GroupWriter's drain. */
