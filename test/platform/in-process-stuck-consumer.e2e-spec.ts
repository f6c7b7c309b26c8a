import { Client } from 'pg';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { waitFor } from '../support/wait-for';

const ACK_WAIT_MS = 500;

/**
 * In process, "publishing" a row waits for its consumers. One delivery stuck (here on a row lock
 * an operator's open transaction holds) must not hold the whole relay: past the ack wait the row
 * is retried later, as JetStream would redeliver it, and every other event flows.
 */
describe('in-process transport, one consumer stuck (real Postgres, no broker)', () => {
  const world = new ProbeWorld('stuckip');
  const holder = () => new Client({ connectionString: world.db.url });

  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  it('delivers 100 other events while one delivery waits on a lock; the stuck one lands once when the lock goes', async () => {
    const app = await world.start({ NATS_URL: '', CONSUMER_ACK_WAIT_MS: String(ACK_WAIT_MS) });
    // Only the effect n = 999 collides with the holder's row, so only its delivery waits.
    await world.db.query('CREATE UNIQUE INDEX effects_stuck ON probe.effects (n) WHERE n = 999');
    const lock = holder();
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query(`INSERT INTO probe.effects (event_id, n) VALUES ('00000000-0000-0000-0000-000000000000', 999)`);

      const [stuck] = await world.probe(app).write([probeEvent('stuck', 1, 999)]);
      await waitFor('the stuck delivery waiting on the lock', async () =>
        (await world.count(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO probe.effects%'`)) > 0,
      );
      const others = (await Promise.all(Array.from({ length: 100 }, (_, i) => world.probe(app).write([probeEvent(`other-${i}`, 1, i)])))).map(([e]) => e.id);
      await waitFor('every other event applied', async () => (await world.count('SELECT 1 FROM probe.effects WHERE event_id = ANY($1)', [others])) === others.length, {
        timeoutMs: 10_000,
      });
      expect(await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [stuck.id])).toBe(0);

      await lock.query('ROLLBACK');
      await waitFor('the stuck event applied', async () => (await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [stuck.id])) === 1, { timeoutMs: 10_000 });
      await waitFor('the outbox drained', async () => (await world.unpublished()) === 0, { timeoutMs: 10_000 });
      expect(await world.count('SELECT event_id FROM probe.effects GROUP BY event_id HAVING count(*) > 1')).toBe(0);
    } finally {
      await lock.end();
    }
  });
});
