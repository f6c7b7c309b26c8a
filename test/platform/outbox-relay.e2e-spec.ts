import { describeWithNats } from '../support/requires-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { readStream } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

const AGGREGATES = 500;
const VERSIONS = 10;

describeWithNats('outbox relay (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('relay');

  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  it('two relays at once drain 5,000 rows over 500 aggregates: each event once, in aggregate order', async () => {
    const writer = await world.start({ RELAY_ENABLED: 'false' });
    for (let v = 1; v <= VERSIONS; v++) {
      const events = Array.from({ length: AGGREGATES }, (_, a) => probeEvent(`agg-${a}`, v, v));
      await world.probe(writer).write(events);
    }
    expect(await world.unpublished()).toBe(AGGREGATES * VERSIONS);

    // Batches smaller than the 500 claimable heads, so that both relays find work in every round.
    const relayEnv = { RELAY_BATCH_SIZE: '100' };
    const [r1, r2] = await Promise.all([world.start(relayEnv), world.start(relayEnv)]);
    await waitFor('the outbox drained', async () => (await world.unpublished()) === 0, { timeoutMs: 90_000 });

    const outboxIds = (await world.db.query<{ id: string }>('SELECT id FROM probe.outbox')).map((r) => r.id);
    const messages = await readStream(world.stream);
    expect(messages).toHaveLength(AGGREGATES * VERSIONS);
    const envelopes = messages.map((m) => ({ header: m.headers?.get('Nats-Msg-Id'), event: JSON.parse(m.string()) }));
    expect(envelopes.every(({ header, event }) => header === event.id)).toBe(true);
    expect(new Set(envelopes.map((e) => e.event.id))).toEqual(new Set(outboxIds));

    const lastVersion = new Map<string, number>();
    for (const { event } of envelopes) {
      expect(event.aggregateVersion).toBe((lastVersion.get(event.aggregateId) ?? 0) + 1);
      lastVersion.set(event.aggregateId, event.aggregateVersion);
    }
    const [s1, s2] = [world.messaging(r1).relay!.stats, world.messaging(r2).relay!.stats];
    expect(s1.published).toBeGreaterThan(0);
    expect(s2.published).toBeGreaterThan(0);
    expect(s1.published + s2.published).toBe(AGGREGATES * VERSIONS);

    // The consumers (three apps competing on one durable) applied each event exactly once.
    await waitFor('every effect', async () => (await world.count('SELECT 1 FROM probe.effects')) === AGGREGATES * VERSIONS, {
      timeoutMs: 90_000,
    });
    expect(await world.count('SELECT event_id FROM probe.effects GROUP BY event_id HAVING count(*) > 1')).toBe(0);
  });

  it('publishes a row whose transaction commits late, after 200 later rows committed and published', async () => {
    const app = world.apps[1];
    const probe = world.probe(app);
    let commit!: () => void;
    const gate = new Promise<void>((resolve) => (commit = resolve));
    let lateId = '';
    const held = probe.transactions.run(async (manager) => {
      [{ id: lateId }] = await probe.outbox.append(manager, [probeEvent('late', 1, 1)]);
      await gate;
    });
    await waitFor('the late row to be written', () => lateId !== '');

    const later = await Promise.all(Array.from({ length: 200 }, (_, i) => probe.write([probeEvent(`later-${i}`, 1, i)])));
    const laterIds = later.map(([e]) => e.id);
    await waitFor('the 200 later rows published', async () =>
      (await world.count('SELECT 1 FROM probe.outbox WHERE id = ANY($1) AND published_at IS NOT NULL', [laterIds])) === 200,
    );

    commit();
    await held;
    await waitFor('the late row published', async () =>
      (await world.count('SELECT 1 FROM probe.outbox WHERE id = $1 AND published_at IS NOT NULL', [lateId])) === 1,
    );
    const ids = (await readStream(world.stream)).map((m) => m.headers?.get('Nats-Msg-Id'));
    expect(ids.filter((id) => id === lateId)).toHaveLength(1);
  });
});
