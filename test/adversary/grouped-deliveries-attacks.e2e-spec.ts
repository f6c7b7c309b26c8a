import { Controller, DynamicModule, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, NatsConnection } from 'nats';
import { register } from 'prom-client';
import { AppConfig } from '../../src/config/app-config';
import { EventEnvelope } from '../../src/contracts/event-envelope';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';
import { ConsumerSlots } from '../../src/platform/messaging/consumer-slots';
import { sql } from '../../src/platform/database/sql';
import { ModuleDatabaseModule } from '../../src/platform/database/module-database.module';
import { NotYetError } from '../../src/platform/domain-error';
import { Outbox } from '../../src/platform/outbox/outbox';
import { RelaysShutdown } from '../../src/platform/outbox/relays-shutdown';
import { PlatformModule } from '../../src/platform/platform.module';
import { describeWithNats } from '../support/requires-nats';
import { PROBE_CONTRACTS } from '../support/probe/probe.contracts';
import { ProbeInit1700000000000 } from '../support/probe/probe.migration';
import { probeEvent, ProbeService } from '../support/probe/probe.module';
import { deleteNamespace, NATS_URL, testNamespace } from '../support/test-broker';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startApp, TestEnv } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * A review's attacks on grouped deliveries (GroupedDeliveries, EventDispatcher.dispatchGroup): one
 * durable (probe.ThingHappened) whose handler's behaviour depends on payload.n. Groups form when a
 * module has no free slot: here a neighbour hogs the probe module's slots (`hogging`) while a
 * burst is pulled, so the burst waits and runs in groups.
 */
const MAX_DELIVERIES = 4;

export const attack = {
  poison: new Set<number>(),
  /** n → how many more times it throws NotYetError. */
  notYet: new Map<number, number>(),
  swallow: new Set<number>(),
  slowMs: 0,
  /** n at or above: read-then-write-later counter (sql.later, as order.repository.saveTransition). */
  counterFrom: Infinity,
  /** n in here: lock probe.locked row 1 first. */
  lockers: new Set<number>(),
  done: new Map<number, number>(),
  calls: new Map<number, number>(),
  /** per call: the SqlTransaction it ran in (to see groups). */
  txOf: [] as { n: number; tx: unknown }[],
  reset() {
    this.poison.clear();
    this.notYet.clear();
    this.swallow.clear();
    this.slowMs = 0;
    this.counterFrom = Infinity;
    this.lockers.clear();
    this.done.clear();
    this.calls.clear();
    this.txOf = [];
  },
};

@Controller()
class AttackListener {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly outbox: Outbox,
  ) {}

  @EventPattern('probe.ThingHappened', { consumer: 'probe', version: 1 })
  async onThing(@Payload() event: EventEnvelope<'probe.ThingHappened', { n: number }>): Promise<void> {
    const n = event.payload.n;
    attack.calls.set(n, (attack.calls.get(n) ?? 0) + 1);
    if (n >= attack.counterFrom) {
      await this.transactions.run(async (m) => {
        const [row] = await sql.rows<{ v: number }>(m, 'SELECT v FROM probe.counter WHERE id = 1 FOR UPDATE');
        if (attack.slowMs) await new Promise((r) => setTimeout(r, attack.slowMs));
        // The unit's last write, with the COMMIT (what sql.later is for).
        await sql.later(m, 'UPDATE probe.counter SET v = $1 WHERE id = 1', [row.v + 1]);
      });
      return;
    }
    await this.transactions.run(async (m) => {
      attack.txOf.push({ n, tx: m });
      if (attack.lockers.has(n)) await m.exec('SELECT * FROM probe.locked WHERE id = 1 FOR UPDATE');
      await m.exec('INSERT INTO probe.effects (event_id, n) VALUES ($1, $2)', [event.id, n]);
      // An event of its own, caused by this one: its correlation and causation must be this event's.
      await this.outbox.append(m, [{ ...probeEvent(`out-${n}`, 1, n, 'probe.AlwaysFails') }]);
      if (attack.slowMs) await new Promise((r) => setTimeout(r, attack.slowMs));
      if (attack.swallow.has(n)) {
        try {
          await m.exec(`SELECT 'x'::int`);
        } catch {
          /* swallowed */
        }
      }
      const left = attack.notYet.get(n);
      if (left) {
        attack.notYet.set(n, left - 1);
        throw new NotYetError(`n=${n} not yet`);
      }
      if (attack.poison.has(n)) throw new Error(`poison ${n}`);
    });
    attack.done.set(n, Date.now());
  }
}

@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'probe', entities: [], migrations: [ProbeInit1700000000000] })],
  controllers: [AttackListener],
  providers: [ProbeService],
})
class AttackModule {}

@Module({})
class AttackAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AttackAppModule,
      imports: [PlatformModule.forRoot(config, { contracts: PROBE_CONTRACTS }), AttackModule],
      providers: [RelaysShutdown],
    };
  }
}

const groups = async () => {
  const metric = register.getSingleMetric('shop_consumer_groups_total');
  const values = metric ? (await metric.get()).values : [];
  const sum = (o: string) => values.filter((v) => v.labels.outcome === o).reduce((a, v) => a + v.value, 0);
  return { together: sum('together'), alone: sum('alone') };
};

describeWithNats('grouped deliveries attacks (real Postgres, real JetStream)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  const namespace = testNamespace('grpatk');
  let nc: NatsConnection;
  const env: TestEnv = {
    CONSUMER_MAX_DELIVERIES: String(MAX_DELIVERIES),
    CONSUMER_BACKOFF_BASE_MS: '20',
    CONSUMER_BACKOFF_MAX_MS: '200',
    ...(process.env.ATTACK_GROUP_MAX ? { CONSUMER_GROUP_MAX: process.env.ATTACK_GROUP_MAX } : {}),
    ...(process.env.ATTACK_POOL ? { DATABASE_POOL_SIZE: process.env.ATTACK_POOL } : {}),
  };

  beforeAll(async () => {
    db = await createTestDatabase('grpatk');
    app = await startApp((c) => AttackAppModule.forRoot(c), { DATABASE_URL: db.url, MESSAGING_NAMESPACE: namespace, ...env });
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    await nc?.close();
    await app?.close().catch(() => undefined);
    await db?.drop();
    await deleteNamespace(namespace);
  });
  beforeEach(async () => {
    attack.reset();
  });

  const count = async (q: string, p: unknown[] = []) => {
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${q}) q`, p);
    return row.n;
  };
  const write = (from: number, to: number) =>
    app.get(ProbeService).write(Array.from({ length: to - from }, (_, i) => probeEvent(`t-${from + i}`, 1, from + i)));

  const checkEffectsOnce = async (from: number, to: number, except: Set<number>) => {
    const rows = await db.query<{ n: number; c: number }>(`SELECT n, count(*)::int AS c FROM probe.effects WHERE n >= $1 AND n < $2 GROUP BY n`, [from, to]);
    const byN = new Map(rows.map((r) => [r.n, r.c]));
    const wrong: string[] = [];
    for (let n = from; n < to; n++) {
      const want = except.has(n) ? 0 : 1;
      if ((byN.get(n) ?? 0) !== want) wrong.push(`n=${n}: ${byN.get(n) ?? 0} effects`);
    }
    return wrong;
  };

  const checkOutboxContext = async (events: EventEnvelope[], except: Set<number>) => {
    const rows = await db.query<{ n: number; corr: string; cause: string; published: boolean }>(
      `SELECT (envelope->'payload'->>'n')::int AS n, envelope->>'correlationId' AS corr, envelope->>'causationId' AS cause, published_at IS NOT NULL AS published
         FROM probe.outbox WHERE type = 'probe.AlwaysFails'`,
    );
    const wrong: string[] = [];
    for (const e of events) {
      const n = (e.payload as { n: number }).n;
      const mine = rows.filter((r) => r.n === n);
      if (except.has(n)) {
        if (mine.length) wrong.push(`n=${n}: ${mine.length} outbox rows for a failed event`);
        continue;
      }
      if (mine.length !== 1) wrong.push(`n=${n}: ${mine.length} outbox rows`);
      for (const r of mine) {
        if (r.cause !== e.id) wrong.push(`n=${n}: causationId ${r.cause} != event ${e.id}`);
        if (r.corr !== e.correlationId) wrong.push(`n=${n}: correlationId ${r.corr} != ${e.correlationId}`);
      }
    }
    return { wrong, unpublished: rows.filter((r) => !r.published).length };
  };

  const settled = async () => {
    const jsm = await nc.jetstreamManager();
    const stream = `${namespace.toUpperCase()}_PROBE`;
    const consumers = await jsm.consumers.list(stream).next();
    return consumers.every((c) => c.num_pending === 0 && c.num_ack_pending === 0);
  };

  /** While `work` runs, a neighbour takes the module's free slots most of the time: deliveries wait, and run in groups. */
  const hogging = async <T>(work: () => Promise<T>): Promise<T> => {
    const slots = app.get(ConsumerSlots);
    let stop = false;
    const hog = (async () => {
      while (!stop) {
        const taken = slots.take('probe', slots.limit);
        await new Promise((r) => setTimeout(r, 30));
        slots.release('probe', taken);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      return await work();
    } finally {
      stop = true;
      await hog;
    }
  };

  it('poison events inside groups: the others commit exactly once, each poison dead-lettered with attempts = max, nobody else counted', async () => {
    const before = await groups();
    attack.slowMs = 5;
    for (const n of [3, 17, 31, 45]) attack.poison.add(n);
    const events = await hogging(async () => {
      const written = await write(0, 60);
      await waitFor('56 effects and 4 dead letters', async () =>
        (await count('SELECT 1 FROM probe.effects WHERE n < 60')) >= 56 && (await count(`SELECT 1 FROM probe.dead_letter WHERE source = 'inbox'`)) >= 4,
      );
      return written;
    });
    await waitFor('settled', settled);
    const after = await groups();
    // A group with a poison in it fell back (then the durable ran alone for a while).
    expect(after.alone - before.alone).toBeGreaterThan(0);
    expect(await checkEffectsOnce(0, 60, attack.poison)).toEqual([]);
    const letters = await db.query<{ event_id: string; attempts: number }>(`SELECT event_id, attempts FROM probe.dead_letter WHERE source = 'inbox'`);
    const poisonIds = events.filter((e) => attack.poison.has((e.payload as { n: number }).n)).map((e) => e.id).sort();
    expect(letters.map((l) => l.event_id).sort()).toEqual(poisonIds);
    expect(letters.map((l) => l.attempts)).toEqual([MAX_DELIVERIES, MAX_DELIVERIES, MAX_DELIVERIES, MAX_DELIVERIES]);
    const failures = await db.query<{ event_id: string; failures: number }>(`SELECT event_id, failures FROM probe.delivery_failure`);
    const strays = failures.filter((f) => !poisonIds.includes(f.event_id));
    expect(strays).toEqual([]);
    await waitFor('outbox published', async () => (await checkOutboxContext(events, attack.poison)).unpublished === 0);
    expect((await checkOutboxContext(events, attack.poison)).wrong).toEqual([]);
  });

  it('not-yet events inside groups: all commit once, no dead letter, no failure counted', async () => {
    await db.query('TRUNCATE probe.effects, probe.dead_letter, probe.delivery_failure');
    attack.slowMs = 5;
    for (const n of [102, 111, 125]) attack.notYet.set(n, 3);
    const events = await hogging(async () => {
      const written = await write(100, 160);
      await waitFor('60 effects', async () => (await count('SELECT 1 FROM probe.effects WHERE n >= 100')) >= 60);
      return written;
    });
    await waitFor('settled', settled);
    await new Promise((r) => setTimeout(r, 300));
    expect(await checkEffectsOnce(100, 160, new Set())).toEqual([]);
    expect(await count('SELECT 1 FROM probe.dead_letter')).toBe(0);
    expect(await count('SELECT 1 FROM probe.delivery_failure')).toBe(0);
    await waitFor('outbox published', async () => (await checkOutboxContext(events, new Set())).unpublished === 0);
    expect((await checkOutboxContext(events, new Set())).wrong).toEqual([]);
  });

  it('a handler that swallows a SQL error inside a group: nothing of it commits, others once', async () => {
    await db.query('TRUNCATE probe.effects, probe.dead_letter, probe.delivery_failure');
    attack.slowMs = 5;
    attack.swallow.add(205);
    const events = await hogging(async () => {
      const written = await write(200, 240);
      await waitFor('39 effects, 1 letter', async () =>
        (await count('SELECT 1 FROM probe.effects WHERE n >= 200')) >= 39 && (await count('SELECT 1 FROM probe.dead_letter')) >= 1,
      );
      return written;
    });
    await waitFor('settled', settled);
    expect(await checkEffectsOnce(200, 240, attack.swallow)).toEqual([]);
    await waitFor('outbox published', async () => (await checkOutboxContext(events, attack.swallow)).unpublished === 0);
    expect((await checkOutboxContext(events, attack.swallow)).wrong).toEqual([]);
  });

  it('already processed events redelivered (new JetStream sequences) in a burst with fresh ones: no double effect, all acked', async () => {
    await db.query('TRUNCATE probe.effects, probe.dead_letter, probe.delivery_failure');
    const old = await write(300, 320);
    await waitFor('20 effects', async () => (await count('SELECT 1 FROM probe.effects WHERE n >= 300')) === 20);
    await waitFor('settled', settled);
    attack.slowMs = 5;
    const subject = `${namespace}.probe.ThingHappened`;
    const js = nc.jetstream();
    // Old ones again (new msgIDs: past dedupe), interleaved with their copies and fresh ones.
    const fresh = await app.get(ProbeService).write(Array.from({ length: 20 }, (_, i) => probeEvent(`f-${i}`, 1, 320 + i)));
    await hogging(async () => {
      await Promise.all([
        ...old.map((e, i) => js.publish(subject, JSON.stringify(e), { msgID: `again-a-${i}` })),
        ...old.map((e, i) => js.publish(subject, JSON.stringify(e), { msgID: `again-b-${i}` })),
        ...fresh.map((e, i) => js.publish(subject, JSON.stringify(e), { msgID: `fresh-copy-${i}` })),
      ]);
      await waitFor('40 effects', async () => (await count('SELECT 1 FROM probe.effects WHERE n >= 300')) >= 40);
      await waitFor('settled', settled);
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await checkEffectsOnce(300, 340, new Set())).toEqual([]);
    expect(await count('SELECT 1 FROM probe.dead_letter')).toBe(0);
    expect(await count('SELECT 1 FROM probe.delivery_failure')).toBe(0);
    expect(await count(`SELECT 1 FROM probe.outbox WHERE type = 'probe.AlwaysFails' AND (envelope->'payload'->>'n')::int >= 300`)).toBe(40);
  });

  it('a big burst (1,000) with a few poisons: exactly once, pool never exceeded', async () => {
    await db.query('TRUNCATE probe.effects, probe.dead_letter, probe.delivery_failure');
    attack.slowMs = 0;
    for (const n of [1000, 1333, 1666, 1999]) attack.poison.add(n);
    let maxConns = 0;
    const poll = setInterval(() => {
      void db
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name NOT LIKE '%psql%' AND pid <> pg_backend_pid()`)
        .then(([r]) => (maxConns = Math.max(maxConns, r.n)), () => undefined);
    }, 20);
    const events: EventEnvelope[] = [];
    await hogging(async () => {
      for (let i = 1000; i < 2000; i += 250) events.push(...(await write(i, i + 250)));
      await waitFor('996 effects, 4 letters', async () =>
        (await count('SELECT 1 FROM probe.effects WHERE n >= 1000')) >= 996 && (await count('SELECT 1 FROM probe.dead_letter')) >= 4,
      );
    });
    await waitFor('settled', settled);
    clearInterval(poll);
    expect(maxConns).toBeLessThanOrEqual(10);
    expect(await checkEffectsOnce(1000, 2000, attack.poison)).toEqual([]);
    const letters = await db.query<{ attempts: number }>(`SELECT attempts FROM probe.dead_letter`);
    expect(letters.map((l) => l.attempts)).toEqual([MAX_DELIVERIES, MAX_DELIVERIES, MAX_DELIVERIES, MAX_DELIVERIES]);
    await waitFor('outbox published', async () => (await checkOutboxContext(events, attack.poison)).unpublished === 0);
    expect((await checkOutboxContext(events, attack.poison)).wrong).toEqual([]);
  });
  it("a unit's last write (sql.later, with the COMMIT) is seen by the next event of its group: no lost update", async () => {
    await db.query('CREATE TABLE IF NOT EXISTS probe.counter (id int PRIMARY KEY, v int NOT NULL)');
    await db.query('INSERT INTO probe.counter VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET v = 0');
    await new Promise((r) => setTimeout(r, 1_500)); // out of any "alone" window left by the poisons above
    attack.counterFrom = 5000;
    attack.slowMs = 5;
    const before = await groups();
    await hogging(async () => {
      const written = await write(5000, 5050);
      await waitFor('all 50 in the inbox', async () => (await count(`SELECT 1 FROM probe.inbox WHERE event_id = ANY($1::uuid[])`, [written.map((e) => e.id)])) === 50);
      await waitFor('settled', settled);
    });
    expect((await groups()).together).toBeGreaterThan(before.together);
    const [{ v }] = await db.query<{ v: number }>('SELECT v FROM probe.counter WHERE id = 1');
    expect(v).toBe(50);
  });

  it('one event of a group waiting on a row lock held 2 s holds up none of its group mates', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS probe.locked (id int PRIMARY KEY)');
    await db.query('INSERT INTO probe.locked VALUES (1) ON CONFLICT DO NOTHING');
    await new Promise((r) => setTimeout(r, 1_200)); // out of any "alone" window
    const { Client } = await import('pg');
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT * FROM probe.locked WHERE id = 1 FOR UPDATE');
    attack.lockers.add(7000);
    const before = await groups();
    const slots = app.get(ConsumerSlots);
    const taken = slots.take('probe', slots.limit);
    const t0 = Date.now();
    await write(7000, 7006);
    setTimeout(() => void holder.query('COMMIT').then(() => holder.end()), 2_000);
    // All six pulled while no slot is free: they run as one group when one is.
    await waitFor('six pulled', async () => (await nc.jetstreamManager()).consumers.list(`${namespace.toUpperCase()}_PROBE`).next().then((list) => list.every((c) => c.num_pending === 0)));
    await new Promise((r) => setTimeout(r, 100));
    slots.release('probe', taken);
    await waitFor('6 effects', async () => (await count('SELECT 1 FROM probe.effects WHERE n >= 7000 AND n < 7006')) >= 6, { timeoutMs: 30_000 });
    expect((await groups()).alone).toBeGreaterThan(before.alone);
    const mates = [...attack.done.entries()].filter(([n]) => n > 7000 && n < 7006).map(([, t]) => t - t0);
    expect(Math.max(...mates)).toBeLessThan(1_000);
  });
});
