import { describeWithNats } from '../support/requires-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { readStream, streamMessageCount } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

describeWithNats('retention (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('retention');

  beforeAll(async () => {
    await world.setUp();
    // The inbox must outlive the stream (the config refuses less), so its entries are aged by hand below.
    await world.start({ OUTBOX_RETENTION_MS: '1', PRUNE_INTERVAL_MS: '100' });
  });
  afterAll(() => world.tearDown());

  it('the relay prunes published outbox rows and old inbox entries; the stream keeps the events', async () => {
    const probe = world.probe(world.apps[0]);
    for (let i = 0; i < 10; i++) await probe.write([probeEvent(`kept-${i}`, 1, i)]);
    await waitFor('10 effects', async () => (await world.count('SELECT 1 FROM probe.effects')) === 10);
    await waitFor('outbox pruned', async () => (await world.count('SELECT 1 FROM probe.outbox')) === 0);
    expect(await world.count('SELECT 1 FROM probe.inbox')).toBe(10);
    await world.db.query(`UPDATE probe.inbox SET processed_at = now() - interval '15 days'`);
    await waitFor('inbox pruned past its 14 days', async () => (await world.count('SELECT 1 FROM probe.inbox')) === 0);
    expect(await streamMessageCount(world.stream)).toBe(10);
  });
});

describeWithNats('no outbox history: OUTBOX_RETENTION_MS=0 deletes a row with its mark (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('nohistory');

  beforeAll(async () => {
    await world.setUp();
    // Pruning is ten minutes away: whatever leaves the outbox here leaves it with its mark.
    await world.start({ OUTBOX_RETENTION_MS: '0' });
  });
  afterAll(() => world.tearDown());

  it('publishes every event once, in each aggregate\'s order, and keeps no published row', async () => {
    const probe = world.probe(world.apps[0]);
    // Five aggregates, ten versions each, written one transaction per version, interleaved.
    for (let v = 1; v <= 10; v++) for (let a = 0; a < 5; a++) await probe.write([probeEvent(`agg-${a}`, v, a * 100 + v)]);
    await waitFor('50 effects', async () => (await world.count('SELECT 1 FROM probe.effects')) === 50);
    await waitFor('the outbox empty', async () => (await world.count('SELECT 1 FROM probe.outbox')) === 0);
    const messages = await readStream(world.stream);
    expect(messages).toHaveLength(50);
    const seen = new Map<string, number[]>();
    for (const m of messages) {
      const envelope = JSON.parse(m.string()) as { aggregateId: string; aggregateVersion: number };
      seen.set(envelope.aggregateId, [...(seen.get(envelope.aggregateId) ?? []), envelope.aggregateVersion]);
    }
    for (let a = 0; a < 5; a++) expect(seen.get(`agg-${a}`)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await world.count('SELECT 1 FROM probe.inbox')).toBe(50);
  });
});
