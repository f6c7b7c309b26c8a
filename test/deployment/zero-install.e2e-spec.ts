import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort } from '../support/free-port';
import { waitFor } from '../support/wait-for';

const ROOT = resolve(__dirname, '../..');

/** The checkout as git sees it (tracked and new files, nothing ignored): no node_modules, no dist, no .data. */
function copyCleanCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shop-clone-'));
  // Like a clone in a shared directory: as root, Postgres runs as the `postgres` user, which must reach it.
  chmodSync(dir, 0o755);
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(dir, file));
    } catch {
      /* deleted in the work tree but still tracked: a clean checkout would not have it either */
    }
  }
  return dir;
}

describe('zero-install start: a clean checkout, `npm ci`, `npm start` with no DATABASE_URL and no NATS_URL', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let port: number;
  let pgPort: number;
  const logFile = () => join(dir, 'start.log');

  const base = () => `http://127.0.0.1:${port}`;
  const http = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base()}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: (await r.json().catch(() => undefined)) as any };
  };

  async function start(): Promise<void> {
    // Exactly the README's command, with an environment that has neither database nor broker.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort) };
    server = spawn('sh', ['-c', `npm start >> ${logFile()} 2>&1`], { cwd: dir, env, detached: true });
    await waitFor(
      'the shop healthy',
      async () => {
        if (server?.exitCode !== null) throw new Error(`npm start exited:\n${readFileSync(logFile(), 'utf8').slice(-3000)}`);
        return fetch(`${base()}/health`).then((r) => r.ok, () => false);
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
  }

  /** SIGTERM to the whole process group (sh, npm, node), as a terminal's Ctrl-C or a supervisor would. */
  async function stop(): Promise<void> {
    const child = server!;
    const exited = new Promise((done) => child.once('exit', done));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    await waitFor('the app and its Postgres gone', () =>
      fetch(`${base()}/health`).then(() => false, () => true),
    );
  }

  beforeAll(async () => {
    dir = copyCleanCheckout();
    [port, pgPort] = [await freePort(), await freePort()];
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore', timeout: 300_000 });
  });
  afterAll(async () => {
    if (server && server.exitCode === null) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the saga, survives SIGTERM and a restart on the same data, and delivers nothing twice', async () => {
    await start();
    const log = readFileSync(logFile(), 'utf8');
    expect(log).toMatch(/database embedded Postgres; transport in-process \(no broker\)/);

    expect((await http('POST', '/inventory/products', { sku: 'ZERO-1', name: 'Mug', priceCents: 1250, quantity: 10 })).status).toBe(201);
    await waitFor('the catalog', async () => (await http('GET', '/catalog/ZERO-1')).status === 200);
    const placed = await http('POST', '/orders', {
      customerId: '0193a2b4-0000-7000-8000-000000000001',
      customerEmail: 'ada@example.com',
      items: [{ sku: 'ZERO-1', quantity: 2 }],
      paymentToken: 'tok_visa',
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.orderId;
    await waitFor('CONFIRMED', async () => (await http('GET', `/orders/${orderId}`)).body.status === 'CONFIRMED');
    await waitFor('both e-mails', async () => (await http('GET', `/notifications?orderId=${orderId}`)).body.length === 2);
    await waitFor('stock sold', async () => (await http('GET', '/inventory/products/ZERO-1')).body.sold === 2);

    await stop();
    await start();

    expect((await http('GET', `/orders/${orderId}`)).body).toMatchObject({ status: 'CONFIRMED', totalCents: 2500 });
    await new Promise((r) => setTimeout(r, 2_000)); // time for any redelivery to show
    expect((await http('GET', `/notifications?orderId=${orderId}`)).body).toHaveLength(2);
    expect((await http('GET', `/payments?orderId=${orderId}`)).body).toEqual([expect.objectContaining({ status: 'CAPTURED', amountCents: 2500 })]);
    expect((await http('GET', '/inventory/products/ZERO-1')).body).toMatchObject({ available: 8, reserved: 0, sold: 2 });
  });
});
