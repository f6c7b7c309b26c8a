import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AdminServer } from '../../src/platform/admin/admin-server';
import { BACKLOG_SAMPLE_MS } from '../../src/platform/outbox/outbox-backlog';
import { ADMIN_FULL_TOKEN, ADMIN_TOKEN, bearer } from '../support/admin';
import { orderPlacedEnvelope } from '../support/envelopes';
import { freePort } from '../support/free-port';
import { HoldingProxy } from '../support/holding-proxy';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { createTestDatabase, POSTGRES_URL, TestDatabase, withDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const EMAIL = 'grace.hopper@example.com';
const TOKEN = 'tok_visa_never_shown';

/** An OrderPlaced v1 that breaks its contract (no lines): every consumer parks it, e-mail and token included. */
const brokenOrderPlaced = () =>
  orderPlacedEnvelope(1, uuidv7(), { customerId: uuidv7(), customerEmail: EMAIL, items: [], totalCents: 0, paymentToken: TOKEN });

const metricValue = (body: string, series: string) =>
  Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(body)?.[1] ?? NaN);

describeWithNats('admin surface: the operator credential (real Postgres, real JetStream)', () => {
  const shop = new InProcessShop('admin', { ADMIN_TOKEN, ADMIN_FULL_TOKEN });
  let parkedId: string;

  beforeAll(async () => {
    await shop.setUp();
    const event = brokenOrderPlaced();
    await shop.deliverLate(event);
    await waitFor('the broken event parked by notifications', async () => {
      const rows = await shop.db.query('SELECT id FROM notifications.dead_letter WHERE event_id = $1', [event.id]);
      parkedId = rows[0]?.id;
      return parkedId;
    });
    // A row parked before secrets were stripped, as a raw delivery: it must not leave either.
    await shop.db.query(
      `INSERT INTO notifications.dead_letter (id, source, consumer, type, raw, error, attempts)
       VALUES ($1, 'inbox', 'notifications', 'orders.OrderPlaced', $2, 'invalid envelope (sent to ops@example.net)', 1)`,
      [uuidv7(), `{"paymentToken":"${TOKEN}","customerEmail":"${EMAIL}", cut here`],
    );
  });
  afterAll(() => shop.tearDown());

  const list = (headers: Record<string, string> = {}, query = '') => shop.http('GET', `/dead-letters?module=notifications${query}`, undefined, headers);

  it.each([
    ['no Authorization header', {}, 'Bearer realm="operator"'],
    ['another scheme', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }, 'Bearer realm="operator"'],
    ['a wrong token', bearer('x'.repeat(ADMIN_TOKEN.length)), 'Bearer realm="operator", error="invalid_token"'],
    ['the token with a character missing', bearer(ADMIN_TOKEN.slice(0, -1)), 'Bearer realm="operator", error="invalid_token"'],
  ])('given %s, answers 401 in the error shape with a Bearer challenge, and shows nothing', async (_why, headers, challenge) => {
    for (const answer of [await list(headers), await shop.http('POST', `/dead-letters/notifications/${parkedId}/retry`, undefined, headers)]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
      expect(answer.headers.get('www-authenticate')).toBe(challenge);
    }
    const [row] = await shop.db.query('SELECT retried_at FROM notifications.dead_letter WHERE id = $1', [parkedId]);
    expect(row.retried_at).toBeNull();
  });

  it('given the operator token, lists the dead letters without a secret or an e-mail anywhere', async () => {
    const answer = await list(bearer(ADMIN_TOKEN));
    expect(answer.status).toBe(200);
    expect(answer.body.map((l: { id: string }) => l.id)).toContain(parkedId);
    expect(answer.body).toHaveLength(2);
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('paymentToken":"tok');
    expect(text).not.toMatch(/[\w.-]+@example\.(com|net)/);
    const letter = answer.body.find((l: { id: string }) => l.id === parkedId);
    expect(letter.envelope.payload).toMatchObject({ customerEmail: '[redacted]' });
  });

  it('given the operator token asking for personal data, answers 403: that is the full scope', async () => {
    const answer = await list(bearer(ADMIN_TOKEN), '&reveal=personal');
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ statusCode: 403, error: 'Forbidden', code: 'ADMIN_SCOPE' });
    expect(JSON.stringify(answer.body)).not.toContain(EMAIL);
  });

  it('given the full token, hides personal data unless asked; asked, shows the e-mail and still never the token', async () => {
    expect(JSON.stringify((await list(bearer(ADMIN_FULL_TOKEN))).body)).not.toContain(EMAIL);
    const answer = await list(bearer(ADMIN_FULL_TOKEN), '&reveal=personal');
    expect(answer.status).toBe(200);
    const text = JSON.stringify(answer.body);
    expect(text).toContain(EMAIL);
    expect(text).not.toContain(TOKEN);
    expect(answer.body.find((l: { id: string }) => l.id === parkedId).envelope.payload.customerEmail).toBe(EMAIL);
  });

  it('given the operator token, retries a parked event (it breaks its contract again: parked anew, not lost)', async () => {
    const answer = await shop.http('POST', `/dead-letters/notifications/${parkedId}/retry`, undefined, bearer(ADMIN_TOKEN));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ retried: true, outcome: 'dead-lettered' });
    const again = await shop.http('POST', `/dead-letters/notifications/${parkedId}/retry`, undefined, bearer(ADMIN_TOKEN));
    expect(again.status).toBe(404);
  });

  it('serves /metrics on the public port without ADMIN_PORT; a scrape runs no count over an outbox', async () => {
    const queries = jest.spyOn(Client.prototype, 'query');
    const started = Date.now();
    let sql: string[];
    try {
      for (let i = 0; i < 50; i++) expect((await shop.http('GET', '/metrics')).status).toBe(200);
      // The spy must see the application's SQL (an idle relay polls its outbox within a second or two).
      const seen = () => queries.mock.calls.some(([q]) => /outbox/.test(typeof q === 'string' ? q : ((q as { text?: string })?.text ?? '')));
      await waitFor('a relay poll seen by the spy', seen, { timeoutMs: 10_000 });
    } finally {
      // Read before the restore, which forgets the calls.
      sql = queries.mock.calls.map(([q]) => (typeof q === 'string' ? q : ((q as { text?: string })?.text ?? '')));
      queries.mockRestore();
    }
    const elapsed = Date.now() - started;
    const counts = sql.filter((q) => /count\(/i.test(q) && /outbox/.test(q));
    // The spy sees the application's SQL (the relays poll meanwhile): a silent spy would prove nothing.
    expect(sql.some((q) => /outbox/.test(q))).toBe(true);
    // Only the relays' samplers count, each at most once per interval: 4 modules, not 50 scrapes x 4.
    expect(counts.length).toBeLessThanOrEqual(4 * (Math.ceil(elapsed / BACKLOG_SAMPLE_MS) + 1));
    expect(counts.length).toBeLessThan(50);
  });

  it('still shows a backlog on the gauge within a few seconds, and its end', async () => {
    const ids = Array.from({ length: 25 }, () => uuidv7());
    // Rows the relay may not take yet (available in an hour): a backlog that stays put.
    for (const id of ids) {
      await shop.db.query(
        `INSERT INTO orders.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope, available_at)
         VALUES ($1::uuid, 'orders.Held', 'Held', $1::text, 1, '{}'::jsonb, now() + interval '1 hour')`,
        [id],
      );
    }
    const gauge = async () => metricValue((await shop.http('GET', '/metrics')).body, 'shop_outbox_unpublished{module="orders"}');
    await waitFor('the backlog on the gauge', async () => (await gauge()) === 25, { timeoutMs: Math.max(15_000, 3 * BACKLOG_SAMPLE_MS), intervalMs: 200 });
    await shop.db.query('DELETE FROM orders.outbox WHERE id = ANY($1::uuid[])', [ids]);
    await waitFor('the gauge back to zero', async () => (await gauge()) === 0, { timeoutMs: Math.max(15_000, 3 * BACKLOG_SAMPLE_MS), intervalMs: 200 });
  });
});

describeWithNats('admin surface on ADMIN_PORT (real Postgres, real JetStream)', () => {
  let shop: InProcessShop;
  let adminUrl: string;

  beforeAll(async () => {
    shop = new InProcessShop('adminport', { ADMIN_TOKEN, ADMIN_PORT: String(await freePort()) });
    await shop.setUp();
    const port = await shop.app.get(AdminServer).listen('127.0.0.1');
    adminUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(() => shop?.tearDown());

  const admin = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${adminUrl}${path}`, { method, headers });
    const text = await response.text();
    return { status: response.status, text, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  };

  it('the public port answers for the operator endpoints and /metrics exactly as for a path that does not exist', async () => {
    for (const [method, path] of [
      ['GET', '/dead-letters?module=orders'],
      ['POST', `/dead-letters/orders/${uuidv7()}/retry`],
      ['GET', '/metrics'],
    ]) {
      const answer = await shop.http(method, path, undefined, bearer(ADMIN_TOKEN));
      const unknown = await shop.http(method, `/no-such-path${path}`);
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ ...unknown.body, message: `Cannot ${method} ${path}` });
      expect(answer.headers.get('www-authenticate')).toBeNull();
    }
    expect((await shop.http('GET', '/health')).status).toBe(200);
  });

  it('the admin port serves them, with the credential; /metrics and /health too; no public route', async () => {
    expect((await admin('GET', '/dead-letters?module=orders')).status).toBe(401);
    const listed = await admin('GET', '/dead-letters?module=orders', bearer(ADMIN_TOKEN));
    expect(listed).toMatchObject({ status: 200, body: [] });
    expect((await admin('POST', `/dead-letters/orders/${uuidv7()}/retry`, bearer(ADMIN_TOKEN))).status).toBe(404);
    const metrics = await admin('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metricValue(metrics.text, 'shop_outbox_unpublished{module="orders"}')).toBeGreaterThanOrEqual(0);
    expect((await admin('GET', '/health')).status).toBe(200);
    expect((await admin('GET', '/inventory/products/NOPE')).body).toMatchObject({ statusCode: 404, message: 'Cannot GET /inventory/products/NOPE' });
    expect((await admin('GET', '/docs')).status).toBe(404);
  });
});

describe('admin surface off, and /health with a database down (real Postgres, in-process transport)', () => {
  let paymentsDb: TestDatabase;
  let proxy: HoldingProxy;
  let shop: InProcessShop;
  let proxyPort: string;

  beforeAll(async () => {
    paymentsDb = await createTestDatabase('adminoff_pay');
    const postgres = new URL(POSTGRES_URL);
    proxy = new HoldingProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    proxyPort = new URL(await proxy.start()).port;
    const viaProxy = new URL(withDatabase(POSTGRES_URL, paymentsDb.name));
    viaProxy.port = proxyPort;
    shop = new InProcessShop('adminoff', { NATS_URL: '', ADMIN_TOKEN: undefined, DATABASE_URL_PAYMENTS: viaProxy.toString() });
    await shop.setUp();
  });
  afterAll(async () => {
    await shop?.tearDown();
    await proxy?.close();
    await paymentsDb?.drop();
  });

  it('without ADMIN_TOKEN, the operator endpoints are off for everyone and say so', async () => {
    for (const headers of [{}, bearer(ADMIN_TOKEN)]) {
      const answer = await shop.http('GET', '/dead-letters?module=orders', undefined, headers);
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ statusCode: 403, error: 'Forbidden', code: 'ADMIN_DISABLED', message: expect.stringContaining('ADMIN_TOKEN') });
    }
    expect((await shop.http('POST', `/dead-letters/orders/${uuidv7()}/retry`, undefined, bearer(ADMIN_TOKEN))).status).toBe(403);
  });

  it('/health names the database that is down, and never its error text', async () => {
    const healthy = await shop.http('GET', '/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({ status: 'ok', info: { 'database:payments': { status: 'up' } } });

    await proxy.close();
    const down = await waitFor<{ status: number; body: unknown } | undefined>('payments down', async () => {
      const answer = await shop.http('GET', '/health');
      return answer.status === 503 ? answer : undefined;
    });
    expect(down!.body).toEqual({
      status: 'error',
      failing: ['database:payments'],
      info: {
        'database:orders': { status: 'up' },
        'database:inventory': { status: 'up' },
        'database:notifications': { status: 'up' },
        'database:activity': { status: 'up' },
      },
      error: { 'database:payments': { status: 'down' } },
      details: expect.any(Object),
    });
    const text = JSON.stringify(down!.body);
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|localhost|terminat|timeout|connect|message/i);
    expect(text).not.toContain(proxyPort);
  });
});
