import { describeWithNats } from '../support/requires-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { waitFor } from '../support/wait-for';

/**
 * The relay going again at once after a drain that claimed some, not all, of the rows local
 * commits promised (OutboxRelay.loop), under attack: real Postgres, the in-process transport.
 */
describeWithNats('the relay\'s chain of drains under attack (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('chainatk');
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);

  beforeAll(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    await world.setUp();
  });
  afterAll(async () => {
    await world.tearDown();
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });

  it('steady commits of two versions of one aggregate each: the relay still prunes history while the load lasts', async () => {
    // Batches larger than the load ever claims at once: each drain is one claim, so any run of drains without a pause is the chain.
    const app = await world.start({ RELAY_BATCH_SIZE: '1000', RELAY_POLL_MIN_MS: '50', RELAY_POLL_MAX_MS: '200', PRUNE_INTERVAL_MS: '10', OUTBOX_RETENTION_MS: '1' });
    const relay = world.messaging(app).relay!;
    let drains = 0;
    const drainOnce = relay.drainOnce.bind(relay);
    relay.drainOnce = () => (drains++, drainOnce());
    const pruner = (relay as unknown as { pruner: { pruneWhenDue: () => Promise<void> } }).pruner;
    let prunes = 0;
    const prune = pruner.pruneWhenDue.bind(pruner);
    pruner.pruneWhenDue = () => (prunes++, prune());
    await new Promise((r) => setTimeout(r, 300));
    // Two writers, each committing v1 and v2 of a new aggregate in one transaction, one after the other, for 2 s.
    let commits = 0;
    const deadline = Date.now() + 2_000;
    let prunesAtHalf = -1;
    let drainsAtHalf = -1;
    const writer = async (w: number) => {
      for (let i = 0; Date.now() < deadline; i++) {
        await world.probe(app).write([probeEvent(`steady-${w}-${i}`, 1, i), probeEvent(`steady-${w}-${i}`, 2, i)]);
        commits++;
      }
    };
    const half = new Promise<void>((r) => setTimeout(() => r(void ((prunesAtHalf = prunes), (drainsAtHalf = drains))), 1_000));
    await Promise.all([0, 1].map(writer).concat(half));
    const prunesInSecondHalf = prunes - prunesAtHalf;
    const drainsInSecondHalf = drains - drainsAtHalf;
    await waitFor('every row published', async () => (await world.unpublished()) === 0, { timeoutMs: 15_000 });
    // Published and past retention for at least a second of the load: the pruner (every 10 ms) should have taken them.
    expect(commits).toBeGreaterThan(20);
    expect(drainsInSecondHalf).toBeGreaterThan(10);
    // Before the fix: 0 of 35 drains in the second half passed the pruner (62 drains, 3 passes in all).
    expect(prunesInSecondHalf).toBeGreaterThan(0);
    expect(crashes).toEqual([]);
    await app.close();
  }, 30_000);
});
