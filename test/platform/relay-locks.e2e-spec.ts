import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { sleep } from '../../src/platform/backoff';
import { poolOf } from '../../src/platform/database/transaction-runner';
import { OutboxClaims } from '../../src/platform/outbox/outbox-claims';
import { describeWithNats } from '../support/requires-nats';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { waitFor } from '../support/wait-for';

const LEASE_MS = 600;

/**
 * The locked-batch claim against real Postgres: a batch's row locks are its claim; the relay's
 * session holding them is kept while the relay lives and ends when it dies or stalls (Postgres'
 * idle-in-transaction timeout = the lease), which frees the rows for any other relay.
 */
describeWithNats('relay locks (real Postgres)', () => {
  const world = new ProbeWorld('locks');
  let app: NestFastifyApplication;
  const relay = () => new OutboxClaims(poolOf(app.get<DataSource>(getDataSourceToken('probe'))), 'probe', LEASE_MS, new Logger('test'));
  const row = async (id: string) => (await world.db.query('SELECT published_at, attempts, last_error FROM probe.outbox WHERE id = $1', [id]))[0];

  beforeAll(async () => {
    await world.setUp();
    app = await world.start({ RELAY_ENABLED: 'false' });
  });
  afterAll(() => world.tearDown());

  it('a live relay holds its batch for many leases; when its session ends, another relay claims the rows at once', async () => {
    const [event] = await world.probe(app).write([probeEvent('held', 1, 1)]);
    const [a, b] = [relay(), relay()];
    const batch = (await a.claim(10))!;
    expect(batch.rows.map((r) => r.id)).toEqual([event.id]);

    await sleep(LEASE_MS * 3);
    expect(await b.claim(10)).toBeUndefined();
    expect(batch.mayBeLost).toBe(false);

    // Its process dies: the connection closes and Postgres drops the transaction with its locks.
    await world.db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND application_name LIKE 'shop:probe:relay:%'`);
    const taken = (await waitFor('the other relay to claim the rows', () => b.claim(10), { timeoutMs: 2_000, intervalMs: 10 }))!;
    expect(taken.rows.map((r) => r.id)).toEqual([event.id]);
    expect(await taken.commit([event.id])).toBe(1);
    await batch.abandon();
    expect((await row(event.id)).published_at).not.toBeNull();
  });

  it('a relay that stalls past the lease loses its batch to another; its late release, park and mark commit nothing', async () => {
    const [event] = await world.probe(app).write([probeEvent('stalled', 1, 1)]);
    const before = await row(event.id);
    const [a, b] = [relay(), relay()];
    const batch = (await a.claim(10))!;
    expect(batch.rows.map((r) => r.id)).toEqual([event.id]);

    // The whole relay process stalls (no pings go out): Postgres ends its session a lease later.
    const until = Date.now() + LEASE_MS * 3;
    while (Date.now() < until);
    expect(batch.mayBeLost).toBe(true);
    const taken = (await b.claim(10))!;
    expect(taken.rows.map((r) => r.id)).toEqual([event.id]);

    await expect(
      (async () => {
        await batch.release(event.id, 'late release', 0, true);
        await batch.park(event.id, 'late park');
        await batch.commit([event.id]);
      })(),
    ).rejects.toThrow();
    await batch.abandon();
    await taken.abandon();
    expect(await row(event.id)).toEqual(before);
    expect(await world.count('SELECT 1 FROM probe.dead_letter')).toBe(0);
  });

  it('while a batch holds an aggregate event, no claim returns a later one of that aggregate; after its commit, the next one comes', async () => {
    const [v1, v2] = await world.probe(app).write([probeEvent('ordered', 1, 1), probeEvent('ordered', 2, 2)]);
    const [a, b] = [relay(), relay()];
    const ids = (batch?: { rows: readonly { id: string }[] }) => batch?.rows.map((r) => r.id) ?? [];
    const first = (await a.claim(10))!;
    try {
      expect(ids(first)).toContain(v1.id);
      expect(ids(first)).not.toContain(v2.id);
      const meanwhile = await b.claim(10);
      await meanwhile?.abandon();
      expect(ids(meanwhile)).not.toContain(v2.id);

      await first.commit([v1.id]);
      const second = await b.claim(10);
      await second?.abandon();
      expect(ids(second)).toContain(v2.id);
    } finally {
      await first.abandon();
    }
  });

  it('an idle relay polls in one round trip (a look without a transaction), and still claims what comes', async () => {
    // Its own pool, every round trip counted: a claim that finds nothing is two (the claim, then its COMMIT).
    const pool = new Pool({ connectionString: world.db.url, max: 2 });
    let trips = 0;
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => (trips++, query(...args));
    });
    const claims = new OutboxClaims(pool, 'probe', LEASE_MS, new Logger('test'));
    // What the earlier cases left unpublished is out of the way; a failed expectation leaves no batch holding the pool.
    await world.db.query('UPDATE probe.outbox SET published_at = now() WHERE published_at IS NULL');
    const open: { abandon(): Promise<void> }[] = [];
    // A relay's poll: the look (after an empty claim), then the claim if the look saw a row.
    const poll = async () => ((await claims.worthClaiming()) ? claims.claim(10) : undefined);
    const tripsOf = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
      const before = trips;
      const result = await work();
      return [result, trips - before];
    };
    try {
      expect(await tripsOf(poll)).toEqual([undefined, 2]);
      expect(await tripsOf(poll)).toEqual([undefined, 1]);

      // A row committed meanwhile: the look sees it, the claim takes it.
      const [event] = await world.probe(app).write([probeEvent('idle', 1, 1)]);
      const [batch, claimTrips] = await tripsOf(poll);
      open.push(batch!);
      expect(batch!.rows.map((r) => r.id)).toEqual([event.id]);
      expect(claimTrips).toBe(2);
      // Held by another relay: the look sees a row, the claim skips it; so does every later poll, until it is free.
      const other = relay();
      const [event2] = await world.probe(app).write([probeEvent('idle-held', 1, 1)]);
      const held = (await other.claim(10))!;
      open.push(held);
      expect(held.rows.map((r) => r.id)).toEqual([event2.id]);
      expect(await batch!.commit([event.id])).toBe(1);
      expect(await tripsOf(poll)).toEqual([undefined, 2]);
      expect(await tripsOf(poll)).toEqual([undefined, 3]);
      await held.abandon();
      const freed = (await poll())!;
      open.push(freed);
      expect(freed.rows.map((r) => r.id)).toEqual([event2.id]);
      expect(await freed.commit([event2.id])).toBe(1);

      // A wake that promises rows skips the look.
      expect(await tripsOf(poll)).toEqual([undefined, 2]);
      claims.expectRows();
      expect(await tripsOf(poll)).toEqual([undefined, 2]);
    } finally {
      await Promise.all(open.map((b) => b.abandon()));
      await pool.end();
    }
  }, 20_000);
});
