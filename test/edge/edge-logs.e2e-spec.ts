import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppProcess } from '../support/shop/app-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { testNamespace } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

const SECRETS = { authorization: 'Bearer tok-EDGE-SECRET-7f3a', cookie: 'session=COOKIE-EDGE-SECRET-91bc' };
const LEAKS = /\bat .+:\d+:\d+|SELECT|INSERT|relation|127\.0\.0\.1|localhost|postgres/i;

/**
 * The built app as a process, its log read as an operator would: what a refused or failed
 * request writes there, at which level, how often, and never its headers.
 */
describe('edge logs (the built app, in-process transport, log at warn)', () => {
  let db: TestDatabase;
  let app: AppProcess;
  const log = () =>
    readFileSync(app.logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg?: string; context?: string; [key: string]: unknown });

  beforeAll(async () => {
    db = await createTestDatabase('edge_logs');
    app = new AppProcess('edge', {
      DATABASE_URL: db.url,
      MESSAGING_NAMESPACE: testNamespace('edge_logs'),
      NATS_URL: '',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    rmSync(app.logFile, { force: true });
    await app.start();
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const post = (body: string) =>
    fetch(`${app.url}/inventory/products`, { method: 'POST', headers: { 'content-type': 'application/json', ...SECRETS }, body });

  it('Redis away at boot: one warning, not one per request', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${app.url}/inventory/products/NOPE`)).status).toBe(404);
    // The process writes its log asynchronously: wait for the line, then check it came once.
    await waitFor('the Redis warning in the log', () => log().some((l) => /Redis unreachable/.test(l.msg ?? '')), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const warnings = log().filter((l) => /Redis unreachable/.test(l.msg ?? ''));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].level).toBe(40);
  });

  it('a body nested 5,000 levels deep: 400, one warning naming the route and nesting, no headers', async () => {
    const response = await post(`{"sku":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'JSON nested deeper than 32 levels' });
    await waitFor('the warning in the log', () => log().some((l) => /nested deeper/.test(l.msg ?? '')), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const lines = log().filter((l) => /nested deeper/.test(l.msg ?? ''));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/^POST \/inventory\/products from 127\.0\.0\.1: /) });
    expect(log().filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a 500 (a table gone under the app): the answer says nothing inside; the log has the error once, without headers', async () => {
    await db.query('ALTER TABLE inventory.products RENAME TO products_gone');
    try {
      const response = await post(JSON.stringify({ sku: 'GONE-1', name: 'x', priceCents: 1, quantity: 1 }));
      const text = await response.text();
      expect(response.status).toBe(500);
      expect(JSON.parse(text)).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
      expect(text).not.toMatch(LEAKS);
    } finally {
      await db.query('ALTER TABLE inventory.products_gone RENAME TO products');
    }
    // The process writes its log asynchronously: wait for the line, then check it came once.
    await waitFor('the error in the log', () => log().some((l) => l.level >= 50), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const errors = log().filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toMatch(/products/);
    expect(errors[0]).not.toHaveProperty('req.headers');
  });

  it('no header value of any request above is anywhere in the log', () => {
    const text = readFileSync(app.logFile, 'utf8');
    expect(text).not.toContain('EDGE-SECRET');
  });
});

describe('TRUST_PROXY=true at boot (the built app)', () => {
  it('refuses to start, saying what to write instead', () => {
    const run = spawnSync(process.execPath, [resolve(__dirname, '../../dist/main.js')], {
      env: { PATH: process.env.PATH ?? '', TRUST_PROXY: 'true', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/none' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/TRUST_PROXY: "true" trusts whatever X-Forwarded-For a client sends; write the number of proxies/);
  });
});
