import { describeWithNats } from '../support/requires-nats';
import { connect } from 'nats';
import { v7 as uuidv7 } from 'uuid';
import { ProbeWorld } from '../support/probe/probe-world';
import { NATS_URL } from '../support/test-broker';
import { probeCounters, probeEvent } from '../support/probe/probe.module';
import { waitFor } from '../support/wait-for';
import { ADMIN_TOKEN, bearer } from '../support/admin';

const MAX_DELIVERIES = 4;

const probeEnvelope = (aggregateId: string) => ({
  id: uuidv7(),
  type: 'probe.ThingHappened',
  version: 1,
  occurredAt: new Date().toISOString(),
  aggregateType: 'Thing',
  aggregateId,
  aggregateVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  payload: { n: 1 },
});

describeWithNats('poison events (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('poison');

  beforeAll(async () => {
    await world.setUp();
    await world.start({
      CONSUMER_MAX_DELIVERIES: String(MAX_DELIVERIES),
      CONSUMER_BACKOFF_BASE_MS: '20',
      CONSUMER_BACKOFF_MAX_MS: '200',
      ADMIN_TOKEN,
    });
  });
  afterAll(() => world.tearDown());

  it('a handler that always throws: delivered the configured number of times, then one dead letter; 999 others processed', async () => {
    const probe = world.probe(world.apps[0]);
    const events = Array.from({ length: 999 }, (_, i) => probeEvent(`ok-${i}`, 1, i));
    const [poison] = await probe.write([probeEvent('poison', 1, 0, 'probe.AlwaysFails')]);
    for (let i = 0; i < events.length; i += 250) await probe.write(events.slice(i, i + 250));

    await waitFor('999 effects and one dead letter', async () =>
      (await world.count('SELECT 1 FROM probe.effects')) === 999 &&
      (await world.count(`SELECT 1 FROM probe.dead_letter WHERE source = 'inbox'`)) === 1,
    );
    const [letter] = await world.db.query(`SELECT * FROM probe.dead_letter WHERE source = 'inbox'`);
    expect(letter).toMatchObject({ event_id: poison.id, consumer: 'probe', attempts: MAX_DELIVERIES });
    expect(letter.error).toContain('probe handler always fails');
    expect(probeCounters.alwaysFails).toBe(MAX_DELIVERIES);
    await new Promise((r) => setTimeout(r, 500));
    expect(probeCounters.alwaysFails).toBe(MAX_DELIVERIES);
  });

  it('an event whose payload breaks its contract: one dead letter, zero retries, no crash', async () => {
    const probe = world.probe(world.apps[0]);
    const [bad] = await probe.writeUnchecked([{ ...probeEvent('bad', 1, 0), payload: { n: 'not a number', extra: true } }]);
    await waitFor('the dead letter', async () => (await world.count('SELECT 1 FROM probe.dead_letter WHERE event_id = $1', [bad.id])) === 1);
    const [letter] = await world.db.query('SELECT * FROM probe.dead_letter WHERE event_id = $1', [bad.id]);
    expect(letter).toMatchObject({ consumer: 'probe', attempts: 1, source: 'inbox' });
    expect(letter.error).toMatch(/payload breaks probe\.ThingHappened@v1/);
    expect(await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [bad.id])).toBe(0);

    const [good] = await probe.write([probeEvent('after-bad', 1, 5)]);
    await waitFor('a later valid event applied', async () => (await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [good.id])) === 1);
    expect(await world.count('SELECT 1 FROM probe.inbox WHERE event_id = $1', [bad.id])).toBe(0);
  });

  it('a parked event can be inspected and retried over HTTP once its cause is fixed', async () => {
    const app = world.apps[0];
    const probe = world.probe(app);
    probeCounters.broken = true;
    const [event] = await probe.write([probeEvent('fixable', 1, 42, 'probe.FailsUntilFixed')]);
    await waitFor('the dead letter', async () => (await world.count('SELECT 1 FROM probe.dead_letter WHERE event_id = $1', [event.id])) === 1);

    const listed = await app.inject({ method: 'GET', url: '/dead-letters?module=probe', headers: bearer(ADMIN_TOKEN) });
    expect(listed.statusCode).toBe(200);
    const letter = listed.json().find((l: { eventId: string }) => l.eventId === event.id);
    expect(letter).toMatchObject({ source: 'inbox', consumer: 'probe', type: 'probe.FailsUntilFixed', error: 'the probe is broken' });

    probeCounters.broken = false;
    const retried = await app.inject({ method: 'POST', url: `/dead-letters/probe/${letter.id}/retry`, headers: bearer(ADMIN_TOKEN) });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual({ retried: true, outcome: 'ack' });
    expect(await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [event.id])).toBe(1);
    const again = await app.inject({ method: 'POST', url: `/dead-letters/probe/${letter.id}/retry`, headers: bearer(ADMIN_TOKEN) });
    expect(again.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/dead-letters?module=nope', headers: bearer(ADMIN_TOKEN) })).statusCode).toBe(404);
  });

  it('parks an event Postgres cannot store as JSON (a NUL byte) instead of retrying it forever', async () => {
    const nc = await connect({ servers: NATS_URL });
    const raw = JSON.stringify({ ...probeEnvelope('nul'), type: 'probe.Thing\u0000Happened' });
    await nc.jetstream().publish(`${world.namespace}.probe.ThingHappened`, raw, { msgID: 'nul-1' });
    await nc.close();
    const parked = `SELECT * FROM probe.dead_letter WHERE raw LIKE '%"aggregateId":"nul"%'`;
    await waitFor('the dead letter', async () => (await world.count(parked)) === 1);
    const [letter] = await world.db.query(parked);
    expect(letter.raw).toContain('Thing\\0Happened');
    expect(letter).toMatchObject({ consumer: 'probe', attempts: 1, envelope: null });
    expect(letter.error).toMatch(/invalid envelope/);
  });
});
