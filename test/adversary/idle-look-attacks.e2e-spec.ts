import { Logger } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Client, Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { poolOf } from '../../src/platform/database/transaction-runner';
import { OutboxClaims } from '../../src/platform/outbox/outbox-claims';
import { collectCrashes } from '../support/crashes';
import { describeWithNats } from '../support/requires-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { readStream } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

/** The idle relay's look (OutboxClaims.worthClaiming after an empty claim, outside a transaction) under attack. */
describeWithNats('the idle relay\'s look under attack (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('idlelook');
  const crashes = collectCrashes();

  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());

  /** Rows another process commits (no wake reaches any relay here): versions of `aggregate`, each `dueInMs` from now. */
  const insertElsewhere = async (aggregate: string, rows: { version: number; dueInMs: number }[]) => {
    const ids = rows.map(() => uuidv7());
    const values = rows.map((r, i) => {
      const envelope = { id: ids[i], type: 'probe.ThingHappened', version: 1, occurredAt: new Date().toISOString(), aggregateType: 'Thing', aggregateId: aggregate, aggregateVersion: r.version, correlationId: ids[i], causationId: ids[i], payload: { n: r.version } };
      return `('${ids[i]}', 'probe.ThingHappened', 'Thing', '${aggregate}', ${r.version}, '${JSON.stringify(envelope)}'::jsonb, now() + ${r.dueInMs} * interval '1 millisecond')`;
    });
    await world.db.query(`INSERT INTO probe.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope, available_at) VALUES ${values.join(', ')}`);
    return ids;
  };
  const versionsOnStream = async (aggregate: string) =>
    (await readStream(world.stream)).map((m) => JSON.parse(m.string()) as { aggregateId: string; aggregateVersion: number }).filter((e) => e.aggregateId === aggregate).map((e) => e.aggregateVersion);

  it('in look mode, an event given back for later holds its later versions back, and is claimed first by the first poll once due', async () => {
    const writer = await world.start({ RELAY_ENABLED: 'false' });
    const claims = new OutboxClaims(poolOf(writer.get<DataSource>(getDataSourceToken('probe'))), 'probe', 1_000, new Logger('test'));
    const poll = async () => ((await claims.worthClaiming()) ? claims.claim(10) : undefined);
    expect(await poll()).toBeUndefined();
    const insertedAt = Date.now();
    const [v1, v2] = await insertElsewhere('given-back', [{ version: 1, dueInMs: 400 }, { version: 2, dueInMs: 0 }]);
    // v2 is due (the look sees it) but held back behind v1, which is not due: nothing to claim.
    expect(await poll()).toBeUndefined();
    const first = (await waitFor('v1 claimed once due', poll, { timeoutMs: 3_000, intervalMs: 10 }))!;
    const tookMs = Date.now() - insertedAt;
    expect(first.rows.map((r) => r.id)).toEqual([v1]);
    expect(tookMs).toBeGreaterThanOrEqual(350);
    // A poll every 10 ms once due: far less than a second, with room for a busy machine.
    expect(tookMs).toBeLessThan(3_000);
    expect(await first.commit([v1])).toBe(1);
    const second = (await poll())!;
    expect(second.rows.map((r) => r.id)).toEqual([v2]);
    expect(await second.commit([v2])).toBe(1);
    await writer.close();
  });

  it('two idle relays, rows committed elsewhere (no wake) with the first version not yet due: published once each, in order, a poll after due', async () => {
    const env = { RELAY_POLL_MIN_MS: '20', RELAY_POLL_MAX_MS: '200' };
    const [a, b] = [await world.start(env), await world.start(env)];
    // Idle: every poll is a look now (its relay's last claim found nothing).
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const ids = await insertElsewhere('elsewhere', [{ version: 1, dueInMs: 500 }, { version: 2, dueInMs: 0 }, { version: 3, dueInMs: 0 }]);
    await waitFor('all published', async () => (await world.count('SELECT 1 FROM probe.outbox WHERE id = ANY($1) AND published_at IS NULL', [ids])) === 0, { timeoutMs: 5_000, intervalMs: 10 });
    const tookMs = Date.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(450);
    // Due at 500 ms, then a poll (≤ 200 ms) and three publishes: well under 4 s on a busy machine.
    expect(tookMs).toBeLessThan(4_000);
    expect(await versionsOnStream('elsewhere')).toEqual([1, 2, 3]);
    expect(crashes).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('Postgres ends the look\'s session while it waits (three times in a row, a pool of 3): the relay backs off, goes on, and publishes the next row', async () => {
    const app = await world.start({ DATABASE_POOL_SIZE: '3', RELAY_POLL_MIN_MS: '20', RELAY_POLL_MAX_MS: '200' });
    await new Promise((r) => setTimeout(r, 500));
    const locker = new Client({ connectionString: world.db.url });
    await locker.connect();
    try {
      // A table lock (a migration, say) makes the look wait: long enough to end its session under it.
      await locker.query('BEGIN; LOCK TABLE probe.outbox IN ACCESS EXCLUSIVE MODE');
      for (let i = 0; i < 3; i++) {
        const ended = await waitFor('a look waiting on the lock', async () =>
          world.db.query<{ t: boolean }>(
            `SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity
             WHERE datname = current_database() AND application_name LIKE 'shop:%' AND wait_event_type = 'Lock'
               AND query LIKE 'SELECT 1 FROM "probe".outbox WHERE published_at IS NULL%'`,
          ).then((rows) => rows[0]), { timeoutMs: 5_000, intervalMs: 10 });
        expect(ended.t).toBe(true);
      }
      await locker.query('ROLLBACK');
      const [row] = await insertElsewhere('after-errors', [{ version: 1, dueInMs: 0 }]);
      await waitFor('the row published', async () => (await world.count('SELECT 1 FROM probe.outbox WHERE id = $1 AND published_at IS NOT NULL', [row])) === 1, { timeoutMs: 3_000, intervalMs: 10 });
      expect(await versionsOnStream('after-errors')).toEqual([1]);
      expect(crashes).toEqual([]);
    } finally {
      await locker.end();
      await app.close();
    }
  }, 15_000);

  it('stopping a relay that idles (its next poll a minute away): the final flush publishes what another process committed meanwhile', async () => {
    const app = await world.start({ RELAY_POLL_MIN_MS: '60000', RELAY_POLL_MAX_MS: '60000' });
    // Its first claim found nothing: it sleeps in look mode.
    await new Promise((r) => setTimeout(r, 300));
    const [id] = await insertElsewhere('at-stop', [{ version: 1, dueInMs: 0 }]);
    await app.close();
    expect(await world.count('SELECT 1 FROM probe.outbox WHERE id = $1 AND published_at IS NOT NULL', [id])).toBe(1);
    expect(await versionsOnStream('at-stop')).toEqual([1]);
  });

  it('the look stays on the unpublished rows\' index when the statistics were taken during a backlog: no scan of the whole history every idle poll', async () => {
    // Its migrations make the outbox; no relay runs.
    const writer = await world.start({ RELAY_ENABLED: 'false' });
    // 30,000 rows unpublished when the table is analyzed (a broker outage, a relay off), then all published.
    await world.db.query(
      `INSERT INTO probe.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope)
       SELECT gen_random_uuid(), 'probe.ThingHappened', 'Thing', 'history-' || g, 1, '{}'::jsonb FROM generate_series(1, 30000) g`,
    );
    await world.db.query('ANALYZE probe.outbox');
    await world.db.query('UPDATE probe.outbox SET published_at = now() WHERE published_at IS NULL');
    // Its own pool, every statement it sends recorded.
    const pool = new Pool({ connectionString: world.db.url, max: 2 });
    const sent: string[] = [];
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        if (typeof args[0] === 'string') sent.push(args[0]);
        return query(...args);
      };
    });
    try {
      const claims = new OutboxClaims(pool, 'probe', 1_000, new Logger('test'));
      const poll = async () => ((await claims.worthClaiming()) ? claims.claim(10) : undefined);
      expect(await poll()).toBeUndefined();
      sent.length = 0;
      const started = performance.now();
      expect(await poll()).toBeUndefined();
      const lookMs = performance.now() - started;
      expect(sent).toHaveLength(1);
      const [{ 'QUERY PLAN': plan }] = await world.db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sent[0]}`);
      console.log(`an idle poll's look over 30,000 published rows: ${lookMs.toFixed(1)} ms`);
      // Before the fix: a Seq Scan of every row, kept or not (45 ms a poll for 300,000 rows, where the claim takes 1 ms).
      expect(JSON.stringify(plan)).not.toContain('Seq Scan');
    } finally {
      await pool.end();
      await writer.close();
    }
  });
});
