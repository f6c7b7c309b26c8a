import { v7 as uuidv7 } from 'uuid';
import { describeWithNats } from '../support/requires-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { readStream } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

/**
 * Rows no producer of this app writes (its contracts refuse them), put in the outbox by hand
 * (a bad migration, an operator): each must be parked alone, in the middle of a big batch,
 * while every other row is published once and the relay's broker connection stays up.
 */
describeWithNats('relay against hostile outbox rows (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('hostile');

  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  const insert = async (type: string, body: Record<string, unknown>) => {
    const id = uuidv7();
    const envelope = { id, type, version: 1, occurredAt: new Date().toISOString(), aggregateType: 'Thing', aggregateId: `hostile-${id}`, aggregateVersion: 1, correlationId: id, causationId: id, payload: {}, ...body };
    await world.db.query(
      `INSERT INTO probe.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope) VALUES ($1, $2, 'Thing', $3, 1, $4::jsonb)`,
      [id, type, `hostile-${id}`, JSON.stringify(envelope)],
    );
    return id;
  };

  it('parks a 2 MB envelope, a subject with a space, a tab or wildcards, a bad traceparent; publishes the 1,000 others once', async () => {
    const writer = await world.start({ RELAY_ENABLED: 'false' });
    const before = await world.probe(writer).write(Array.from({ length: 500 }, (_, i) => probeEvent(`before-${i}`, 1, i)));
    const hostile = [
      await insert('probe.ThingHappened', { payload: { blob: 'x'.repeat(2 * 1024 * 1024) } }),
      await insert('probe.Thing Happened', {}),
      await insert('probe.Thing\tHappened', {}),
      await insert('probe.*', {}),
      await insert('probe.>', {}),
      await insert('probe..Empty', {}),
      await insert('probe.ThingHappened', { traceparent: '00-x\r\nInjected: 1' }),
    ];
    const after = await world.probe(writer).write(Array.from({ length: 500 }, (_, i) => probeEvent(`after-${i}`, 1, i)));
    const good = [...before, ...after].map((e) => e.id);

    await world.start({ RELAY_BATCH_SIZE: '1000', RELAY_MAX_ATTEMPTS: '2' });
    await waitFor('every good row published', async () => (await world.count('SELECT 1 FROM probe.outbox WHERE id = ANY($1) AND published_at IS NOT NULL', [good])) === good.length, { timeoutMs: 20_000 });
    await waitFor('every hostile row parked', async () => (await world.count(`SELECT 1 FROM probe.dead_letter WHERE source = 'outbox' AND event_id = ANY($1)`, [hostile])) === hostile.length, { timeoutMs: 20_000 });

    const ids = (await readStream(world.stream)).map((m) => m.headers?.get('Nats-Msg-Id'));
    expect(ids.filter((id) => hostile.includes(id!))).toEqual([]);
    expect(new Set(ids)).toEqual(new Set(good));
    expect(ids).toHaveLength(good.length);
  });
});

describeWithNats('relay against hostile outbox rows, in process (real Postgres, no broker)', () => {
  const world = new ProbeWorld('hostileip');

  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  it('delivers the 1,000 good rows once each past a 2 MB envelope and odd types; nothing stays unpublished', async () => {
    const writer = await world.start({ RELAY_ENABLED: 'false' }); // a writer only (in process, the relay is mandatory)
    const before = await world.probe(writer).write(Array.from({ length: 500 }, (_, i) => probeEvent(`before-${i}`, 1, i)));
    for (const [type, body] of [
      ['probe.ThingHappened', { payload: { blob: 'x'.repeat(2 * 1024 * 1024) } }],
      ['probe.Thing Happened', {}],
      ['probe.>', {}],
      ['probe.ThingHappened', { traceparent: '00-x\r\nInjected: 1', payload: { n: 'not a number' } }],
    ] as const) {
      const id = uuidv7();
      const envelope = { id, type, version: 1, occurredAt: new Date().toISOString(), aggregateType: 'Thing', aggregateId: `hostile-${id}`, aggregateVersion: 1, correlationId: id, causationId: id, payload: {}, ...(body as Record<string, unknown>) };
      await world.db.query(
        `INSERT INTO probe.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope) VALUES ($1, $2, 'Thing', $3, 1, $4::jsonb)`,
        [id, type, `hostile-${id}`, JSON.stringify(envelope)],
      );
    }
    const after = await world.probe(writer).write(Array.from({ length: 500 }, (_, i) => probeEvent(`after-${i}`, 1, i)));
    const good = [...before, ...after].map((e) => e.id);

    await world.start({ RELAY_BATCH_SIZE: '1000', RELAY_MAX_ATTEMPTS: '2', NATS_URL: '' });
    await waitFor('the outbox drained or parked', async () => (await world.unpublished()) === 0, { timeoutMs: 60_000 });
    await waitFor('every good effect', async () => (await world.count('SELECT 1 FROM probe.effects WHERE event_id = ANY($1)', [good])) === good.length, { timeoutMs: 20_000 });
    expect(await world.count('SELECT event_id FROM probe.effects GROUP BY event_id HAVING count(*) > 1')).toBe(0);
  });
});
