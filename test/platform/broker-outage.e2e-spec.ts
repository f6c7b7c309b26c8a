import { describeWithNats } from '../support/requires-nats';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { readStream } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** A NATS server of this suite's own, so stopping it disturbs no other suite. */
class PrivateNats {
  private process?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'nats-outage-'));
  constructor(readonly port: number) {}

  get url() {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir], { stdio: 'ignore' });
    await waitFor('nats-server to listen', () => canConnect(this.port), { timeoutMs: 10_000, intervalMs: 100 });
  }

  async stop(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

describeWithNats('broker outage (real Postgres, a real nats-server stopped and started)', () => {
  const world = new ProbeWorld('outage');
  let nats: PrivateNats;

  beforeAll(async () => {
    await world.setUp();
    nats = new PrivateNats(await freePort());
    await nats.start();
    await world.start({ NATS_URL: nats.url });
  });
  afterAll(async () => {
    await world.tearDown().catch(() => undefined);
    await nats.destroy();
  });

  it('with NATS stopped the writes still commit and rows wait; when it is back, all are published, nothing lost', async () => {
    const probe = world.probe(world.apps[0]);
    for (let i = 0; i < 50; i++) await probe.write([probeEvent(`before-${i}`, 1, i)]);
    await waitFor('the first 50 published', async () => (await world.unpublished()) === 0);

    await nats.stop();
    for (let i = 0; i < 100; i++) await probe.write([probeEvent(`during-${i}`, 1, i)]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await world.unpublished()).toBe(100);

    await nats.start();
    await waitFor('all rows published', async () => (await world.unpublished()) === 0, { timeoutMs: 60_000 });
    await waitFor('150 effects', async () => (await world.count('SELECT 1 FROM probe.effects')) === 150, { timeoutMs: 60_000 });

    const ids = (await readStream(world.stream, nats.url)).map((m) => m.headers?.get('Nats-Msg-Id'));
    const outboxIds = (await world.db.query<{ id: string }>('SELECT id FROM probe.outbox')).map((r) => r.id);
    expect(ids).toHaveLength(150);
    expect(new Set(ids)).toEqual(new Set(outboxIds));
    expect(await world.count('SELECT event_id FROM probe.effects GROUP BY event_id HAVING count(*) > 1')).toBe(0);
  });
});
