import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

/**
 * The shop started the way a user starts it (a shell command in a checkout, with neither database
 * nor broker in its environment), logging to `<dir>/start.log`; stopped with SIGTERM to the whole
 * process group, as Ctrl-C in a terminal or a supervisor would.
 */
export class StartedByHand {
  port = 0;
  pgPort = 0;
  private child?: ChildProcess;

  constructor(
    readonly dir: string,
    readonly command: string,
  ) {}

  get logFile(): string {
    return join(this.dir, 'start.log');
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Runs the command; resolves with the child, running or not (see `start` for a healthy one). */
  async launch(env: Record<string, string> = {}): Promise<ChildProcess> {
    this.port ||= await freePort();
    this.pgPort ||= await freePort();
    const environment = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      PORT: String(this.port),
      EMBEDDED_POSTGRES_PORT: String(this.pgPort),
      ...env,
    };
    return spawn('sh', ['-c', `${this.command} >> ${this.logFile} 2>&1`], { cwd: this.dir, env: environment, detached: true });
  }

  async start(): Promise<void> {
    const child = (this.child = await this.launch());
    await waitFor(
      'the shop healthy',
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.command} exited with ${child.exitCode}:\n${this.log().slice(-3000)}`);
        return fetch(`${this.url}/health`).then((r) => r.ok, () => false);
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
  }

  /** SIGTERM to the process group; the exit code of the command. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    process.kill(-child.pid!, 'SIGTERM');
    const code = await exited;
    await waitFor('the app and its Postgres gone', () => fetch(`${this.url}/health`).then(() => false, () => true));
    return code;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async http(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const r = await fetch(`${this.url}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: (await r.json().catch(() => undefined)) as any };
  }
}

/** A product of 10, then an order of 2 at 12.50, through HTTP until CONFIRMED: the order's id. */
export async function confirmedOrder(shop: StartedByHand, sku: string): Promise<string> {
  expect((await shop.http('POST', '/inventory/products', { sku, name: 'Mug', priceCents: 1250, quantity: 10 })).status).toBe(201);
  await waitFor('the catalog', async () => (await shop.http('GET', `/catalog/${sku}`)).status === 200);
  const placed = await shop.http('POST', '/orders', {
    customerId: '0193a2b4-0000-7000-8000-000000000001',
    customerEmail: 'ada@example.com',
    items: [{ sku, quantity: 2 }],
    paymentToken: 'tok_visa',
  });
  expect(placed.status).toBe(201);
  const orderId = placed.body.orderId as string;
  await waitFor('CONFIRMED', async () => (await shop.http('GET', `/orders/${orderId}`)).body.status === 'CONFIRMED');
  return orderId;
}
