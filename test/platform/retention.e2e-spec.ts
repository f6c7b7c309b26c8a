import { describeWithNats } from '../support/requires-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { streamMessageCount } from '../support/test-broker';
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
