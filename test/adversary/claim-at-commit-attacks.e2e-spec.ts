import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { waitFor } from '../support/wait-for';

/**
 * Attacks on the relay's claim at commit (ConnectionHandOff): the adopted batch holds the
 * producer's pooled connection while it publishes.
 */
describe('claim at commit, in-process transport, a pool of 2', () => {
  const world = new ProbeWorld('cacpool');

  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  it.each(['2', '3'])('pool of %s: concurrent commits neither starve their own consumers nor the next requests of connections', async (poolSize) => {
    const app = await world.start({ NATS_URL: '', DATABASE_POOL_SIZE: poolSize, RELAY_POLL_MIN_MS: '50', RELAY_POLL_MAX_MS: '200' });
    const before = await world.count('SELECT 1 FROM probe.effects');
    const started = Date.now();
    // Before the fix the writes themselves failed: "timeout exceeded when trying to connect".
    await Promise.all([1, 2, 3, 4].map((i) => world.probe(app).write([probeEvent(`pool${poolSize}-${i}`, 1, i)])));
    await waitFor('every effect applied', async () => (await world.count('SELECT 1 FROM probe.effects')) === before + 4, { timeoutMs: 30_000, intervalMs: 20 });
    const tookMs = Date.now() - started;
    // A consumer waiting for a connection an adopted batch holds waits out the pool's 10 s timeout.
    expect(tookMs).toBeLessThan(3_000);
    await waitFor('every row marked', async () => (await world.unpublished()) === 0, { timeoutMs: 5_000 });
    await app.close();
  });
});
