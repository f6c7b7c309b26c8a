import { AckPolicy, connect, NatsConnection } from 'nats';
import { createServer, IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { retryDeadLetter } from '../../src/platform/inbox/dead-letter-retry';
import { EventDispatcher } from '../../src/platform/messaging/event-dispatcher';
import { ModuleRegistry } from '../../src/platform/messaging/module-registry';
import { ADMIN_FULL_TOKEN, ADMIN_TOKEN } from '../support/admin';
import { runCli, runCliJson } from '../support/cli';
import { orderPlacedEnvelope } from '../support/envelopes';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { NATS_URL } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

const EMAIL = 'grace.hopper@example.com';
const TOKEN = 'tok_visa_never_shown';

/** An OrderPlaced v1 that breaks its contract (no lines): inventory, payments and notifications park it. */
const brokenOrderPlaced = () =>
  orderPlacedEnvelope(1, uuidv7(), { customerId: uuidv7(), customerEmail: EMAIL, items: [], totalCents: 0, paymentToken: TOKEN });

describeWithNats('operator CLI (nest-commander, real Postgres, real JetStream)', () => {
  const shop = new InProcessShop('cli', { ADMIN_TOKEN, ADMIN_FULL_TOKEN });
  let env: Record<string, string>;
  let nc: NatsConnection;
  let orderId: string;
  let startedAt: Date;
  let confirmedEventId: string;

  beforeAll(async () => {
    startedAt = new Date(Date.now() - 1_000);
    await shop.setUp();
    nc = await connect({ servers: NATS_URL });
    // The CLI reads the shop's own environment; only the full token is left to each test.
    env = { DATABASE_URL: shop.db.url, MESSAGING_NAMESPACE: shop.namespace, ADMIN_TOKEN };
    await shop.registerProduct('CLI-1', 1_000, 10);
    const placed = await shop.placeOrder([{ sku: 'CLI-1', quantity: 1 }]);
    orderId = placed.body.orderId;
    expect((await shop.finalOrder(orderId)).status).toBe('CONFIRMED');
    await waitFor('both e-mails recorded', async () => (await shop.db.query('SELECT 1 FROM notifications.notifications WHERE order_id = $1', [orderId])).length === 2);
    [{ id: confirmedEventId }] = await shop.db.query(`SELECT id FROM orders.outbox WHERE type = 'orders.OrderConfirmed' AND aggregate_id = $1`, [orderId]);
  });
  afterAll(async () => {
    await nc?.close();
    await shop.tearDown();
  });

  it('given no ADMIN_TOKEN, refuses every command with a clear message and exit 1, showing nothing', async () => {
    for (const args of [['outbox', 'status'], ['dead-letters', 'list'], ['consumers', 'status']]) {
      const run = await runCli({ ...env, ADMIN_TOKEN: '' }, args);
      expect(run).toMatchObject({ exitCode: 1, stdout: '' });
      expect(run.stderr).toMatch(/operator commands are off: ADMIN_TOKEN is not set/);
    }
  });

  it('given a usage mistake, exits 2', async () => {
    expect((await runCli(env, ['dead-letters', 'list', '--since', 'yesterday'])).exitCode).toBe(2);
    expect((await runCli(env, ['dead-letters', 'list', '--no-such-option'])).exitCode).toBe(2);
    expect((await runCli(env, ['replay', '--consumer', 'payments', '--since', '1'])).exitCode).toBe(2);
  });

  it('replays a range to one consumer: what it lost is applied once, again is a no-op, and no other consumer sees it', async () => {
    // notifications "lost" its handling of OrderConfirmed (a restore from backup, say): the inbox row and the e-mail.
    await shop.db.query(`DELETE FROM notifications.inbox WHERE consumer = 'notifications' AND event_id = $1`, [confirmedEventId]);
    await shop.db.query(`DELETE FROM notifications.notifications WHERE order_id = $1 AND template = 'order-confirmed'`, [orderId]);
    const jsm = await nc.jetstreamManager();
    const stream = `${shop.namespace.toUpperCase()}_ORDERS`;
    const durables = ['inventory_OrderConfirmed', 'notifications_OrderConfirmed'];
    const before = await Promise.all(durables.map((d) => jsm.consumers.info(stream, d)));
    const inventoryInbox = () => shop.db.query(`SELECT processed_at FROM inventory.inbox WHERE event_id = $1`, [confirmedEventId]);
    const inventoryBefore = await inventoryInbox();

    const replay = ['replay', '--consumer', 'notifications', '--since', startedAt.toISOString(), '--type', 'orders.OrderConfirmed'];
    const [first] = await runCliJson(env, replay);
    expect(first).toMatchObject({ stream, type: 'orders.OrderConfirmed', delivered: 1, applied: 1, duplicates: 0, failed: 0, parked: 0 });
    const [again] = await runCliJson(env, replay);
    expect(again).toMatchObject({ delivered: 1, applied: 0, duplicates: 1 });
    const emails = await shop.db.query(`SELECT template FROM notifications.notifications WHERE order_id = $1 ORDER BY template`, [orderId]);
    expect(emails.map((e: { template: string }) => e.template)).toEqual(['order-confirmed', 'order-received']);

    // Every consumer of every stream replayed from the start: all already applied, nothing charged twice.
    const all = await runCliJson(env, ['replay', '--consumer', 'payments', '--since', '1h']);
    expect(all.reduce((n: number, t: { delivered: number }) => n + t.delivered, 0)).toBeGreaterThanOrEqual(2);
    expect(all.every((t: { applied: number; failed: number; parked: number }) => t.applied + t.failed + t.parked === 0)).toBe(true);
    expect(await shop.executedChargeKeys()).toEqual([orderId]);

    // The durable consumers and inventory's inbox never saw the replay.
    const after = await Promise.all(durables.map((d) => jsm.consumers.info(stream, d)));
    expect(after.map((i) => [i.delivered.consumer_seq, i.num_redelivered])).toEqual(before.map((i) => [i.delivered.consumer_seq, i.num_redelivered]));
    expect(await inventoryInbox()).toEqual(inventoryBefore);
  });

  it('reports the consumers as JetStream does, a durable nobody pulls included', async () => {
    const jsm = await nc.jetstreamManager();
    const stream = `${shop.namespace.toUpperCase()}_ORDERS`;
    await jsm.consumers.add(stream, { durable_name: 'audit_OrderPlaced', ack_policy: AckPolicy.Explicit, filter_subject: `${shop.namespace}.orders.OrderPlaced` });
    const rows = await runCliJson(env, ['consumers', 'status']);
    const byName = new Map(rows.map((r: { durable: string }) => [r.durable, r]));
    for (const durable of ['inventory_OrderPlaced', 'payments_OrderPlaced', 'notifications_OrderPlaced', 'orders_PaymentCaptured', 'audit_OrderPlaced']) {
      expect(byName.has(durable)).toBe(true);
    }
    expect(byName.get('audit_OrderPlaced')).toMatchObject({ stream, pending: 1, ackPending: 0, redelivered: 0 });
    const payments = await jsm.consumers.info(stream, 'payments_OrderPlaced');
    expect(byName.get('payments_OrderPlaced')).toMatchObject({ pending: payments.num_pending, ackPending: payments.num_ack_pending, ackFloorSeq: payments.ack_floor.stream_seq });
    const table = await runCli(env, ['consumers', 'status']);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^STREAM\s+DURABLE\s+PENDING/);
    expect(table.stdout).toMatch(/audit_OrderPlaced\s+1\s+0\s+0/);
  });

  it('reports each outbox: a waiting row with its age, the parked rows and dead letters', async () => {
    const held = uuidv7();
    // A row the relay may not take yet, written a minute ago: a backlog that stays put.
    await shop.db.query(
      `INSERT INTO orders.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope, created_at, available_at)
       VALUES ($1::uuid, 'orders.Held', 'Held', $1::text, 1, '{}'::jsonb, now() - interval '60 seconds', now() + interval '1 hour')`,
      [held],
    );
    try {
      const rows = await runCliJson(env, ['outbox', 'status']);
      expect(rows.map((r: { module: string }) => r.module)).toEqual(['inventory', 'notifications', 'orders', 'payments']);
      const orders = rows.find((r: { module: string }) => r.module === 'orders');
      expect(orders).toMatchObject({ unpublished: 1, parked: 0 });
      expect(orders.oldestAgeSeconds).toBeGreaterThanOrEqual(59);
      expect(orders.oldestAgeSeconds).toBeLessThan(600);
      expect(rows.find((r: { module: string }) => r.module === 'payments')).toMatchObject({ unpublished: 0, oldestAgeSeconds: null });
      expect((await runCli(env, ['outbox', 'status'])).stdout).toMatch(/orders\s+1\s+1m0\ds\s+0\s+0/);
    } finally {
      await shop.db.query('DELETE FROM orders.outbox WHERE id = $1', [held]);
    }
  });

  // The activity module's GET /orders/:id/timeline is not on this branch: a tiny fake stands in for a running shop.
  it('prints an order\'s timeline from a running shop over HTTP, with the operator credential; an unknown order fails', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      const known = request.url === `/orders/${orderId}/timeline`;
      response.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          known
            ? { orderId, events: [{ occurredAt: '2026-12-02T06:00:00.000Z', type: 'orders.OrderPlaced', producer: 'orders', id: 'e1' }, { occurredAt: '2026-12-02T06:00:00.050Z', type: 'inventory.StockReserved', producer: 'inventory', id: 'e2' }] }
            : { statusCode: 404, error: 'Not Found', message: 'no such order' },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const run = await runCli(env, ['timeline', orderId, '--url', url]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout.split('\n')[0]).toMatch(/^OCCURRED AT\s+TYPE\s+PRODUCER\s+ID$/);
      expect(run.stdout).toMatch(/orders\.OrderPlaced\s+orders\s+e1\n.*inventory\.StockReserved\s+inventory\s+e2/);
      expect(seen[0].authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
      expect(JSON.parse((await runCli(env, ['timeline', orderId, '--url', url, '--json'])).stdout).events).toHaveLength(2);
      const unknown = await runCli(env, ['timeline', uuidv7(), '--url', url]);
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stderr).toMatch(/no timeline for order/);
      expect((await runCli(env, ['timeline', 'not-an-id', '--url', url])).exitCode).toBe(2);
    } finally {
      server.close();
    }
  });

  describe('dead letters', () => {
    let broken: ReturnType<typeof brokenOrderPlaced>;
    const open = async (module?: string) => runCliJson(env, ['dead-letters', 'list', ...(module ? ['--module', module] : [])]);

    beforeAll(async () => {
      broken = brokenOrderPlaced();
      await shop.deliverLate(broken);
      await waitFor('the broken event parked by three modules', async () => (await open()).length === 3);
    });

    it('lists them, filtered, with personal data hidden and the card token never shown', async () => {
      const letters = await open();
      expect(letters.map((l: { module: string }) => l.module).sort()).toEqual(['inventory', 'notifications', 'payments']);
      expect(letters.every((l: { eventId: string; type: string }) => l.eventId === broken.id && l.type === 'orders.OrderPlaced')).toBe(true);
      expect(letters[0].envelope.payload.customerEmail).toBe('[redacted]');
      expect(await open('payments')).toHaveLength(1);
      expect(await runCliJson(env, ['dead-letters', 'list', '--type', 'orders.OrderConfirmed'])).toEqual([]);
      expect(await runCliJson(env, ['dead-letters', 'list', '--since', new Date(Date.now() + 60_000).toISOString()])).toEqual([]);
      expect(await runCliJson(env, ['dead-letters', 'list', '--since', '1h', '--limit', '2'])).toHaveLength(2);
      const table = await runCli(env, ['dead-letters', 'list']);
      expect(table.stdout).toContain(letters[0].id);
      for (const text of [table.stdout, JSON.stringify(letters)]) {
        expect(text).not.toContain(EMAIL);
        expect(text).not.toContain(TOKEN);
      }
    });

    it('shows one redacted; personal data only with ADMIN_FULL_TOKEN and --reveal personal, the token never', async () => {
      const [letter] = await open('notifications');
      const shown = await runCli(env, ['dead-letters', 'show', letter.id]);
      expect(shown.exitCode).toBe(0);
      expect(shown.stdout).toContain('[redacted]');
      expect(shown.stdout).not.toContain(EMAIL);
      const refused = await runCli(env, ['dead-letters', 'show', letter.id, '--reveal', 'personal']);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/ADMIN_FULL_TOKEN/);
      expect(refused.stdout).toBe('');
      const revealed = await runCli({ ...env, ADMIN_FULL_TOKEN }, ['dead-letters', 'show', letter.id, '--reveal', 'personal', '--json']);
      expect(JSON.parse(revealed.stdout).envelope.payload.customerEmail).toBe(EMAIL);
      expect(revealed.stdout).not.toContain(TOKEN);
      expect(revealed.stderr).toMatch(/personal data of 1 dead letter shown/);
    });

    it('retries a parked delivery whose cause is gone: applied once, then no longer listed', async () => {
      // A valid OrderPlaced that notifications parked while (say) its database was away.
      const lost = uuidv7();
      const event = orderPlacedEnvelope(2, lost, { customerId: uuidv7(), customerEmail: 'ada@example.com', items: [{ sku: 'CLI-1', quantity: 1, unitPriceCents: 1_000 }], totalCents: 1_000 });
      const id = uuidv7();
      await shop.db.query(
        `INSERT INTO notifications.dead_letter (id, source, consumer, event_id, type, envelope, error, attempts)
         VALUES ($1, 'inbox', 'notifications', $2, 'orders.OrderPlaced', $3::jsonb, 'connection terminated', 10)`,
        [id, event.id, JSON.stringify(event)],
      );
      const retried = await runCli(env, ['dead-letters', 'retry', id]);
      expect(retried).toMatchObject({ exitCode: 0, stdout: `notifications ${id}: ack\n` });
      expect((await open('notifications')).map((l: { id: string }) => l.id)).not.toContain(id);
      expect(await shop.db.query(`SELECT template FROM notifications.notifications WHERE order_id = $1`, [lost])).toEqual([{ template: 'order-received' }]);
      const twice = await runCli(env, ['dead-letters', 'retry', id]);
      expect(twice.exitCode).toBe(1);
      expect(twice.stderr).toMatch(/retried already/);
    });

    it('retries the broken one: parked again with its error, exit 1, nothing lost', async () => {
      const [letter] = await open('payments');
      const run = await runCli(env, ['dead-letters', 'retry', letter.id]);
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe(`payments ${letter.id}: dead-lettered\n`);
      const now = await open('payments');
      expect(now).toHaveLength(1);
      expect(now[0].id).not.toBe(letter.id);
      expect(now[0].eventId).toBe(broken.id);
    });

    it('discards one: gone from the list and the table; a second discard fails', async () => {
      const [letter] = await open('inventory');
      const run = await runCli(env, ['dead-letters', 'discard', letter.id]);
      expect(run).toMatchObject({ exitCode: 0, stdout: `inventory ${letter.id}: discarded\n` });
      expect(await open('inventory')).toEqual([]);
      expect(await shop.db.query('SELECT 1 FROM inventory.dead_letter WHERE id = $1', [letter.id])).toEqual([]);
      expect((await runCli(env, ['dead-letters', 'discard', letter.id])).exitCode).toBe(1);
      const status = await runCliJson(env, ['outbox', 'status']);
      expect(status.find((r: { module: string }) => r.module === 'notifications')).toMatchObject({ deadLetters: 1 });
      expect(status.find((r: { module: string }) => r.module === 'inventory')).toMatchObject({ deadLetters: 0 });
    });

    it('replays over a parked event without parking it again: it waits for dead-letters retry, exit 1', async () => {
      const before = await open('notifications');
      const run = await runCli(env, ['replay', '--consumer', 'notifications', '--type', 'orders.OrderPlaced', '--since', startedAt.toISOString(), '--json']);
      expect(run.exitCode).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual([expect.objectContaining({ type: 'orders.OrderPlaced', alreadyParked: 1, parked: 0, applied: 0 })]);
      expect(run.stderr).toMatch(/1 events of the range wait in notifications's dead letters/);
      expect(await open('notifications')).toEqual(before);
    });

    it('retries one letter twice at once (two operators): it runs once, the other finds it taken', async () => {
      const [letter] = await open('payments');
      const deadLetters = shop.app.get(ModuleRegistry).get('payments').deadLetters;
      const outcomes = await Promise.all([1, 2].map(() => retryDeadLetter(deadLetters, shop.app.get(EventDispatcher), letter.id)));
      expect(outcomes.sort()).toEqual(['dead-lettered', null]);
      const parked = await shop.db.query(`SELECT retried_at FROM payments.dead_letter WHERE event_id = $1 ORDER BY created_at`, [broken.id]);
      // The first parking, the test above's retry, and this one: one new letter, not two.
      expect(parked.map((p: { retried_at: Date | null }) => p.retried_at === null)).toEqual([false, false, true]);
    });

    it('retries many letters at once (a script) without holding the whole pool: every retry answers', async () => {
      const event = brokenOrderPlaced();
      const ids = Array.from({ length: 12 }, () => uuidv7());
      for (const id of ids) {
        await shop.db.query(
          `INSERT INTO notifications.dead_letter (id, source, consumer, event_id, type, envelope, error, attempts)
           VALUES ($1, 'inbox', 'notifications', $2, 'orders.OrderPlaced', $3::jsonb, 'parked', 1)`,
          [id, event.id, JSON.stringify(event)],
        );
      }
      try {
        const deadLetters = shop.app.get(ModuleRegistry).get('notifications').deadLetters;
        // More retries than the pool has connections (DATABASE_POOL_SIZE 8 in the suites).
        const outcomes = await Promise.all(ids.map((id) => retryDeadLetter(deadLetters, shop.app.get(EventDispatcher), id)));
        expect(outcomes).toEqual(ids.map(() => 'dead-lettered'));
      } finally {
        await shop.db.query('DELETE FROM notifications.dead_letter WHERE event_id = $1', [event.id]);
      }
    });

    it('retries a letter whose type nothing here reads: not run, and it stays open (never lost from view)', async () => {
      const id = uuidv7();
      const event = { ...brokenOrderPlaced(), type: 'orders.OrderShipped' };
      await shop.db.query(
        `INSERT INTO notifications.dead_letter (id, source, consumer, event_id, type, envelope, error, attempts)
         VALUES ($1, 'inbox', 'notifications', $2, 'orders.OrderShipped', $3::jsonb, 'parked by a later build', 1)`,
        [id, event.id, JSON.stringify(event)],
      );
      try {
        const run = await runCli(env, ['dead-letters', 'retry', id]);
        expect(run.exitCode).toBe(1);
        expect(run.stderr).toMatch(/notifications has no listener of orders\.OrderShipped in this process.*stays open/);
        expect((await open('notifications')).map((l: { id: string }) => l.id)).toContain(id);
      } finally {
        await shop.db.query('DELETE FROM notifications.dead_letter WHERE id = $1', [id]);
      }
    });
  });
});
