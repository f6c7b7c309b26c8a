import { readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { freePort } from '../support/free-port';
import { OwnNats } from '../support/own-nats';
import { AppProcess } from '../support/shop/app-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteNamespace } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

const NATS_USER = 'shop';
const NATS_PASS = 'Na7s@S3cret:/%x';
const PG_PASS = 'Pg@S3cret';
const SMTP_PASS = 'Sm7pS3cret';
const REDIS_PASS = 'R3disS3cret';
const ADMIN_TOKEN = 'adm1nT0kenS3cret0123456789';
const EMAIL = 'ada.lovelace.adv5@example.com';
const CARD = 'tok_adv5UniqueCard';

/** Every secret as written in the environment and as a client decodes it. */
const SECRETS = [NATS_PASS, encodeURIComponent(NATS_PASS), PG_PASS, encodeURIComponent(PG_PASS), 'S3cret', SMTP_PASS, REDIS_PASS, ADMIN_TOKEN, EMAIL, CARD];

const json = { 'content-type': 'application/json' };

async function orderConfirmed(app: AppProcess, sku: string): Promise<void> {
  await waitFor('catalog snapshot', () => fetch(`${app.url}/catalog/${sku}`).then((r) => r.ok), { timeoutMs: 20_000, intervalMs: 200 });
  const placed = await fetch(`${app.url}/orders`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ customerId: randomUUID(), customerEmail: EMAIL, items: [{ sku, quantity: 1 }], paymentToken: CARD }),
  });
  expect(placed.status).toBe(201);
  const { orderId } = (await placed.json()) as { orderId: string };
  // 60 s: after the NATS restart, the relay's and the consumers' backoffs (up to 5 s each) come on top of a loaded machine's saga.
  await waitFor('order confirmed', async () => ((await (await fetch(`${app.url}/orders/${orderId}`)).json()) as { status: string }).status === 'CONFIRMED', {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}

/**
 * ADVERSARY (issue 9, "logs never print tokens, passwords or connection strings"): the built app
 * at LOG_LEVEL=trace with a password in every URL, through boot, a saga, failing dependencies
 * (SMTP refusing, Redis refusing the password, NATS restarted) and SIGTERM; then the whole log is
 * searched for every secret, the e-mail and the card token.
 */
describe('adversary: secrets in the logs of the built app (own nats-server with --user/--pass)', () => {
  let nats: OwnNats;
  let db: TestDatabase;
  let app: AppProcess;
  const namespace = `t_advlogs_${Date.now() % 100000}`;

  beforeAll(async () => {
    nats = new OwnNats(await freePort(), ['--user', NATS_USER, '--pass', NATS_PASS]);
    await nats.start();
    db = await createTestDatabase('advlogs');
  });
  afterAll(async () => {
    await app?.kill();
    await deleteNamespace(namespace, `nats://${NATS_USER}:${encodeURIComponent(NATS_PASS)}@127.0.0.1:${nats.port}`).catch(() => undefined);
    await nats.destroy();
    await db.drop();
    if (app) rmSync(app.logFile, { force: true });
  });

  const env = async () => {
    const dbUrl = new URL(db.url);
    dbUrl.password = encodeURIComponent(PG_PASS);
    return {
      DATABASE_URL: dbUrl.toString(),
      NATS_URL: `nats://${NATS_USER}:${encodeURIComponent(NATS_PASS)}@127.0.0.1:${nats.port}`,
      // Nothing listens there: every e-mail fails and is retried.
      SMTP_URL: `smtp://mailer:${SMTP_PASS}@127.0.0.1:${await freePort()}`,
      // The local Redis has no password: it refuses AUTH, the limiter falls back to counting alone.
      REDIS_URL: `redis://:${REDIS_PASS}@127.0.0.1:6379/0`,
      ADMIN_TOKEN,
      MESSAGING_NAMESPACE: namespace,
      LOG_LEVEL: 'trace',
      RELAY_POLL_MAX_MS: '200',
    };
  };

  it('boot, a saga, SMTP and Redis refusing, a NATS restart, SIGTERM: no secret, e-mail or card token in the log', async () => {
    app = new AppProcess('logs', await env());
    rmSync(app.logFile, { force: true });
    await app.start();
    const product = await fetch(`${app.url}/inventory/products`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ sku: 'LOG-1', name: 'Log mug', priceCents: 900, quantity: 10 }),
    });
    expect(product.status).toBe(201);
    await orderConfirmed(app, 'LOG-1');
    expect((await fetch(`${app.url}/dead-letters?module=orders`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${app.url}/dead-letters?module=orders`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } })).status).toBe(401);

    await nats.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    await nats.start();
    await waitFor('healthy again', () => fetch(`${app.url}/health`).then((r) => r.ok), { timeoutMs: 20_000, intervalMs: 250 });
    await orderConfirmed(app, 'LOG-1');

    expect(await app.stop()).toEqual({ code: 0, signal: null });
    const log = readFileSync(app.logFile, 'utf8');
    // The log really saw the failures and the operator's refusal (so the scan below can fail).
    expect(log).toMatch(/not sent \(connect ECONNREFUSED/);
    expect(log).toMatch(/NATS disconnect/);
    expect(log).toMatch(/refused GET \/dead-letters/);
    for (const secret of SECRETS) expect({ secret, at: log.indexOf(secret) }).toEqual({ secret, at: -1 });
  });

  // Found by the adversarial review: nats.js closed the connection for good after the same auth
  // error twice (ignoreAuthErrorAbort: false), leaving the app up, 503 and deaf. Now it retries and
  // logs the refusal once per outage.
  it('NATS back with a rotated password, then the old one again: the app says the credentials were refused and recovers', async () => {
    const restart = new AppProcess('rotate', await env());
    rmSync(restart.logFile, { force: true });
    try {
      await restart.start();
      const rotated = new OwnNats(nats.port, ['--user', NATS_USER, '--pass', 'rotated-elsewhere']);
      await nats.stop();
      await rotated.start();
      await new Promise((r) => setTimeout(r, 4_000));
      await rotated.destroy();
      await nats.start();
      await waitFor('healthy again', () => fetch(`${restart.url}/health`).then((r) => r.ok), { timeoutMs: 15_000, intervalMs: 250 });
      expect(readFileSync(restart.logFile, 'utf8')).toMatch(/Authorization Violation|AUTHORIZATION_VIOLATION|refused the credentials/i);
    } finally {
      await restart.kill();
      rmSync(restart.logFile, { force: true });
    }
  });
});
