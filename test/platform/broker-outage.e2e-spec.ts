import { describeWithNats } from '../support/requires-nats';
import { freePort } from '../support/free-port';
import { OwnNats } from '../support/own-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { readStream } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

describeWithNats('broker outage (real Postgres, a real nats-server stopped and started)', () => {
  const world = new ProbeWorld('outage');
  let nats: OwnNats;

  beforeAll(async () => {
    await world.setUp();
    nats = new OwnNats(await freePort());
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
