import { existsSync } from 'node:fs';
import { connect, NatsConnection } from 'nats';
import { loadConfig } from '../../src/config/app-config';
import { JetStreamProvisioner } from '../../src/platform/messaging/jetstream-provisioner';
import { NatsConnectionProvider } from '../../src/platform/messaging/nats-connection';
import { NatsCluster } from '../support/nats-cluster';
import { InProcessShop } from '../support/shop/in-process-shop';
import { readStream } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const ORDERS = Number(process.env.CLUSTER_ORDERS ?? 150);
const PACE_MS = 40;
const SKUS = Array.from({ length: 10 }, (_, i) => `CL-${i}`);
const UNITS = 15;
const MODULES = ['orders', 'inventory', 'payments'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const describeWithServer = existsSync(NATS_SERVER) ? describe : describe.skip;

describeWithServer('a 3-node JetStream cluster: the ORDERS stream leader killed -9 mid-run and restarted (R3 streams)', () => {
  const cluster = new NatsCluster(3);
  let shop: InProcessShop;
  let nc: NatsConnection;

  const streamName = (module: string) => `${shop.namespace}_${module}`.toUpperCase();
  // A short request timeout, so a request lost with a dead node does not pass for election time.
  const streamInfo = (module: string) => nc.jetstreamManager({ timeout: 250 }).then((jsm) => jsm.streams.info(streamName(module)));

  beforeAll(async () => {
    await cluster.start();
    shop = new InProcessShop('cluster', { NATS_URL: cluster.urls, STREAM_REPLICAS: '3' });
    await shop.setUp();
    nc = await connect({ servers: cluster.urls.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    for (const sku of SKUS) await shop.registerProduct(sku, 100 + SKUS.indexOf(sku), UNITS);
  });
  afterAll(async () => {
    await nc?.close();
    await shop?.tearDown().catch(() => undefined);
    await cluster.destroy();
  });

  it('boots with every stream at 3 replicas; a replica count the cluster cannot place fails boot with its name', async () => {
    for (const module of MODULES) expect((await streamInfo(module)).config.num_replicas).toBe(3);

    const config = loadConfig({
      DATABASE_URL: 'postgres://x@127.0.0.1/x',
      NATS_URL: cluster.urls,
      MESSAGING_NAMESPACE: shop.namespace,
      STREAM_REPLICAS: '5',
    });
    const provider = new NatsConnectionProvider(config);
    try {
      await expect(new JetStreamProvisioner(provider, config).ensureStream('orders')).rejects.toThrow(
        /NATS refused a change \(num_replicas 3 → 5\) of stream .*STREAM_REPLICAS/,
      );
    } finally {
      await provider.onApplicationShutdown();
    }
    expect((await streamInfo('orders')).config.num_replicas).toBe(3);
  });

  it(`${ORDERS} paced orders while the ORDERS leader dies: every order final, nothing lost, no double effect`, async () => {
    const leader = (await streamInfo('orders')).cluster?.leader as string;
    expect(cluster.names).toContain(leader);

    const placed: { orderId: string; items: { sku: string; quantity: number }[] }[] = [];
    let killedAt = 0;
    let leaderElectedMs = NaN;
    const faults = (async () => {
      await waitFor('a third of the orders placed', () => placed.length >= ORDERS / 3, { timeoutMs: 60_000 });
      killedAt = Date.now();
      await cluster.kill(leader);
      const next = await waitFor(
        'a new ORDERS leader',
        async () => {
          const elected = await streamInfo('orders').then((i) => i.cluster?.leader, () => undefined);
          return elected && elected !== leader ? elected : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 25 },
      );
      leaderElectedMs = Date.now() - killedAt;
      console.log(`ORDERS leader ${leader} killed; ${next} elected after ${leaderElectedMs} ms`);
      await sleep(3_000);
      const restartedAt = Date.now();
      await cluster.restart(leader);
      await waitFor(`${leader} current again on ORDERS`, async () => {
        const replicas = await streamInfo('orders').then((i) => i.cluster?.replicas ?? [], () => []);
        return replicas.some((r) => r.name === leader && r.current);
      }, { timeoutMs: 60_000, intervalMs: 50 });
      console.log(`${leader} restarted on its store; a current ORDERS replica ${Date.now() - restartedAt} ms after its start`);
    })();

    for (let i = 0; i < ORDERS; i++) {
      const items = [{ sku: SKUS[i % SKUS.length], quantity: 1 + (i % 2) }];
      const token = i % 7 === 3 ? 'tok_chargeDeclined' : 'tok_visa';
      placed.push({ orderId: await placeWithRetries(shop, items, token, `cluster-${i}`), items });
      await sleep(PACE_MS);
    }
    await faults;

    const ids = placed.map((p) => p.orderId);
    const finals = await shop.finalOrders(ids, 180_000);

    // Events written after the kill: when the first one reached the stream, and the longest any waited.
    const [after] = await shop.db.query<{ first: number; slowest: number }>(
      `SELECT round(extract(epoch FROM min(published_at) - to_timestamp($1 / 1000.0)) * 1000)::int AS first,
              round(extract(epoch FROM max(published_at - created_at)) * 1000)::int AS slowest
         FROM orders.outbox WHERE created_at > to_timestamp($1 / 1000.0)`,
      [killedAt],
    );
    console.log(
      `recovery after kill -9 of the ORDERS leader: new leader elected after ${leaderElectedMs} ms; first event written after ` +
        `the kill published ${after.first} ms after it; slowest such event waited ${after.slowest} ms`,
    );

    // The checks below are the minimal inline ones; the shared checker (test/support/checker) replaces them.
    const confirmed = finals.filter((o) => o.status === 'CONFIRMED').map((o) => o.orderId as string);
    const cancelled = finals.filter((o) => o.status === 'CANCELLED').map((o) => o.orderId as string);
    expect(confirmed.length + cancelled.length).toBe(ORDERS);
    expect(confirmed.length).toBeGreaterThan(0);
    expect(cancelled.length).toBeGreaterThan(0);

    // Nothing lost between the outboxes and the (replicated) streams: each row published once, on the stream once.
    await waitFor('every outbox row published', async () => {
      const [{ n }] = await shop.db.query<{ n: number }>(
        MODULES.map((m) => `SELECT count(*)::int AS n FROM ${m}.outbox WHERE published_at IS NULL`).join(' UNION ALL ') + ' ORDER BY n DESC LIMIT 1',
      );
      return n === 0;
    });
    const live = cluster.urlOf(cluster.names.find((n) => n !== leader) as string);
    for (const module of MODULES) {
      const streamIds = (await readStream(streamName(module), live)).map((m) => m.headers?.get('Nats-Msg-Id'));
      const outboxIds = (await shop.db.query<{ id: string }>(`SELECT id FROM ${module}.outbox`)).map((r) => r.id);
      expect(new Set(streamIds).size).toBe(streamIds.length);
      expect([...streamIds].sort()).toEqual([...outboxIds].sort());
    }
    for (const module of [...MODULES, 'notifications']) {
      expect(await shop.db.query(`SELECT consumer, type, error FROM ${module}.dead_letter`)).toEqual([]);
    }

    // One capture per confirmed order (the gateway's own ledger), none kept for a cancelled one.
    const ledger = await shop.paymentsDb.query<{ key: string; outcome: string }>(
      'SELECT idempotency_key AS key, outcome FROM gateway_simulator.charges',
    );
    expect(ledger.filter((c) => c.outcome === 'captured').map((c) => c.key).sort()).toEqual([...confirmed].sort());
    const captured = await shop.db.query<{ order_id: string; n: number }>(
      `SELECT order_id, count(*)::int AS n FROM payments.payments WHERE status = 'CAPTURED' GROUP BY order_id`,
    );
    expect(captured.every((c) => c.n === 1)).toBe(true);
    expect(captured.map((c) => c.order_id).sort()).toEqual([...confirmed].sort());

    // One e-mail per (order, template): received for all, then confirmed or cancelled.
    await waitFor('every e-mail sent', async () => {
      const [{ n }] = await shop.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications.notifications');
      return n >= ORDERS * 2;
    });
    const mails = await shop.db.query<{ order_id: string; template: string; n: number }>(
      'SELECT order_id, template, count(*)::int AS n FROM notifications.notifications GROUP BY order_id, template',
    );
    expect(mails.filter((m) => m.n !== 1)).toEqual([]);
    const expected = finals.flatMap((o) => [
      `${o.orderId} order-received`,
      `${o.orderId} ${o.status === 'CONFIRMED' ? 'order-confirmed' : 'order-cancelled'}`,
    ]);
    expect(mails.map((m) => `${m.order_id} ${m.template}`).sort()).toEqual(expected.sort());

    // Stock conserved per sku: nothing left reserved, sold = what the confirmed orders bought.
    await waitFor('every reservation settled', async () => (await Promise.all(SKUS.map((s) => shop.product(s)))).every((p) => p.reserved === 0));
    const confirmedSet = new Set(confirmed);
    for (const sku of SKUS) {
      const bought = placed
        .filter((p) => confirmedSet.has(p.orderId))
        .flatMap((p) => p.items)
        .filter((i) => i.sku === sku)
        .reduce((sum, i) => sum + i.quantity, 0);
      expect(await shop.product(sku)).toMatchObject({ available: UNITS - bought, reserved: 0, sold: bought });
    }
  });
});

/** A client that retries what got no answer or a 5xx, with the same Idempotency-Key. */
async function placeWithRetries(shop: InProcessShop, items: { sku: string; quantity: number }[], token: string, key: string) {
  for (let attempt = 1; ; attempt++) {
    const answer = await shop.placeOrder(items, token, { 'Idempotency-Key': key }).catch((error: Error) => ({ status: 0, body: error.message }));
    if (answer.status === 201) return answer.body.orderId as string;
    if (attempt >= 10 || (answer.status > 0 && answer.status < 500)) {
      throw new Error(`order ${key}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    await sleep(200 * attempt);
  }
}
