import { randomUUID } from 'node:crypto';
import { EventDispatcher } from '../../src/platform/messaging/event-dispatcher';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeCounters, probeEvent } from '../support/probe/probe.module';
import { waitFor } from '../support/wait-for';

/**
 * A delivery's inbox row travels with its handler's first statement (one round trip less), and
 * the inbox's answer decides before the commit. A repeat must keep nothing of what its handler
 * did, also when that handler's first statement fails because the effect is already there, and
 * it is never counted as a failure. The dispatcher is driven directly (in-process transport).
 */
describe('inbox row ahead of the handler (real Postgres)', () => {
  const world = new ProbeWorld('inboxahead');
  let dispatcher: EventDispatcher;

  beforeAll(async () => {
    await world.setUp();
    const app = await world.start({ NATS_URL: '' });
    dispatcher = app.get(EventDispatcher);
  });
  afterAll(() => world.tearDown());

  const rawOf = async (id: string) => (await world.db.query<{ raw: string }>('SELECT envelope::text AS raw FROM probe.outbox WHERE id = $1', [id]))[0].raw;
  const effects = (id: string) => world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [id]);
  const failures = (id: string) => world.count('SELECT 1 FROM probe.delivery_failure WHERE event_id = $1', [id]);

  it('a repeat of a committed event runs its handler, keeps nothing of it, and acks as a duplicate', async () => {
    const [event] = await world.probe(world.apps[0]).write([probeEvent('a1', 1, 1)]);
    await waitFor('the first delivery', async () => (await effects(event.id)) === 1);
    const outcome = await dispatcher.dispatch('probe', event.type, await rawOf(event.id), 2);
    expect(outcome).toEqual({ kind: 'ack', duplicate: true });
    expect(await effects(event.id)).toBe(1);
    expect(await failures(event.id)).toBe(0);
  });

  it('a repeat whose handler fails on its first statement (the effect is there) is still a duplicate, never a failure', async () => {
    await world.db.query('CREATE UNIQUE INDEX effects_once ON probe.effects (event_id)');
    try {
      const [event] = await world.probe(world.apps[0]).write([probeEvent('a2', 1, 2)]);
      await waitFor('the first delivery', async () => (await effects(event.id)) === 1);
      const raw = await rawOf(event.id);
      for (let i = 0; i < 3; i++) expect(await dispatcher.dispatch('probe', event.type, raw, 2 + i)).toEqual({ kind: 'ack', duplicate: true });
      expect(await effects(event.id)).toBe(1);
      expect(await failures(event.id)).toBe(0);
    } finally {
      await world.db.query('DROP INDEX probe.effects_once');
    }
  });

  it('a repeat whose handler fails before any statement still acks as a duplicate', async () => {
    // Made here, never published: no background delivery races the two below.
    const [seen] = await world.probe(world.apps[0]).write([probeEvent('a4', 1, 4)]);
    const event = { ...JSON.parse(await rawOf(seen.id)), id: randomUUID(), type: 'probe.FailsUntilFixed' };
    const raw = JSON.stringify(event);
    probeCounters.broken = false;
    try {
      expect(await dispatcher.dispatch('probe', event.type, raw, 1)).toEqual({ kind: 'ack', duplicate: false });
    } finally {
      probeCounters.broken = true;
    }
    expect(await dispatcher.dispatch('probe', event.type, raw, 2)).toEqual({ kind: 'ack', duplicate: true });
    expect(await failures(event.id)).toBe(0);
  });

  it('a failing handler keeps no inbox row: the next delivery runs it again', async () => {
    const [event] = await world.probe(world.apps[0]).write([probeEvent('a3', 1, 3, 'probe.AlwaysFails')]);
    const raw = await rawOf(event.id);
    const outcome = await dispatcher.dispatch('probe', event.type, raw, 1);
    expect(outcome).toMatchObject({ kind: 'retry', counted: true });
    expect(await world.count('SELECT 1 FROM probe.inbox WHERE event_id = $1', [event.id])).toBe(0);
  });
});
