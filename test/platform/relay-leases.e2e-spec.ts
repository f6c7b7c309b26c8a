import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { sleep } from '../../src/platform/backoff';
import { BatchLease } from '../../src/platform/outbox/batch-lease';
import { OutboxStore } from '../../src/platform/outbox/outbox-store';
import { describeWithNats } from '../support/requires-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';

describeWithNats('relay leases (real Postgres)', () => {
  const world = new ProbeWorld('leases');
  let app: NestFastifyApplication;
  let store: OutboxStore;
  const row = async (id: string) =>
    (await world.db.query('SELECT locked_by, locked_until, published_at, attempts, last_error FROM probe.outbox WHERE id = $1', [id]))[0];

  beforeAll(async () => {
    await world.setUp();
    app = await world.start({ RELAY_ENABLED: 'false' });
    store = world.messaging(app).outboxStore;
  });
  afterAll(() => world.tearDown());

  it('a live relay renews its batch past the first lease; once it stops, another relay claims the rows', async () => {
    const [event] = await world.probe(app).write([probeEvent('renewed', 1, 1)]);
    const claimed = await store.claim(10, 300, 'relay-a');
    expect(claimed.map((r) => r.id)).toEqual([event.id]);
    const lease = new BatchLease(store, [event.id], 'relay-a', 300, new Logger('test'));

    await sleep(900);
    expect(await store.claim(10, 300, 'relay-b')).toHaveLength(0);
    await lease.end();
    await sleep(400);
    expect((await store.claim(10, 300, 'relay-b')).map((r) => r.id)).toEqual([event.id]);
  });

  it('a relay that stalled past its lease can neither renew, mark, release nor park rows another relay took over', async () => {
    const [event] = await world.probe(app).write([probeEvent('fenced', 1, 1)]);
    expect((await store.claim(10, 100, 'relay-a')).map((r) => r.id)).toEqual([event.id]);
    expect(await store.claim(10, 100, 'relay-b')).toHaveLength(0);
    await sleep(150);
    expect((await store.claim(10, 10_000, 'relay-b')).map((r) => r.id)).toEqual([event.id]);
    const takenOver = await row(event.id);

    expect(await store.renewLeases([event.id], 'relay-a', 100)).toBe(0);
    expect(await store.markPublished([event.id], 'relay-a')).toBe(0);
    await store.release(event.id, 'relay-a', 'late release', 0, true);
    await store.park(event.id, 'relay-a', 'late park');
    expect(await row(event.id)).toEqual(takenOver);
    expect(await world.count('SELECT 1 FROM probe.dead_letter')).toBe(0);

    expect(await store.renewLeases([event.id], 'relay-b', 10_000)).toBe(1);
    expect(await store.markPublished([event.id], 'relay-b')).toBe(1);
  });
});
