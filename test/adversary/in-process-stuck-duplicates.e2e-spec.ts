import { Client } from 'pg';
import { ConsumerSlots } from '../../src/platform/messaging/consumer-slots';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { waitFor } from '../support/wait-for';

const ACK_WAIT_MS = 500;

/**
 * ADVERSARY (found by a review): in process, a row whose delivery is stuck on a lock is
 * re-published every ack wait. Each re-publish ran ANOTHER delivery of the same event in another
 * slot (and connection), stuck on the same lock, until every slot of the module held a copy and
 * its other events waited too (busy 6 of 6, 0 of 20 others applied). Now a re-publish joins the
 * delivery still running (InProcessPublisher's overdue deliveries).
 */
describe('adversary: one stuck in-process delivery, re-published into every slot', () => {
  const world = new ProbeWorld('stuckdup');
  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  it('other events still flow 5 s after one delivery got stuck on a lock', async () => {
    const app = await world.start({ NATS_URL: '', CONSUMER_ACK_WAIT_MS: String(ACK_WAIT_MS) });
    const slots = app.get(ConsumerSlots, { strict: false });
    const busy = () => (slots as unknown as { busy: Map<string, number> }).busy.get('probe') ?? 0;
    await world.db.query('CREATE UNIQUE INDEX effects_stuck ON probe.effects (n) WHERE n = 999');
    const lock = new Client({ connectionString: world.db.url });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query(`INSERT INTO probe.effects (event_id, n) VALUES ('00000000-0000-0000-0000-000000000000', 999)`);
      const [stuck] = await world.probe(app).write([probeEvent('stuck', 1, 999)]);
      await new Promise((r) => setTimeout(r, 5_000));
      const lockWaiters = await world.count(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO probe.effects%'`);
      console.log(`5 s after the stuck write: slots limit ${slots.limit}, busy ${busy()}, sessions waiting on the lock ${lockWaiters}`);
      const others = (await Promise.all(Array.from({ length: 20 }, (_, i) => world.probe(app).write([probeEvent(`other-${i}`, 1, i)])))).map(([e]) => e.id);
      const applied = await waitFor('every other event applied', async () => (await world.count('SELECT 1 FROM probe.effects WHERE event_id = ANY($1)', [others])) === others.length, {
        timeoutMs: 10_000,
      }).catch(() => false);
      console.log(`others applied within 10 s: ${applied}; applied ${await world.count('SELECT 1 FROM probe.effects WHERE event_id = ANY($1)', [others])}/20; busy ${busy()}`);
      await lock.query('ROLLBACK');
      await waitFor('the stuck event applied', async () => (await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [stuck.id])) === 1, { timeoutMs: 10_000 });
      expect(applied).toBe(true);
      expect(lockWaiters).toBeLessThanOrEqual(1);
    } finally {
      await lock.end();
    }
  }, 60_000);
});
