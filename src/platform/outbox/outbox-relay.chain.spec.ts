import { EventPublisher, PublishOutcome } from '../messaging/event-publisher';
import { LockedBatch } from './locked-batch';
import { OutboxClaims } from './outbox-claims';
import { OutboxRelay } from './outbox-relay';
import { OutboxStore } from './outbox-store';

interface Row {
  id: string;
  agg: string;
  ver: number;
  published: boolean;
  locked: boolean;
  availableAt: number;
  attempts: number;
}

/**
 * An outbox in memory with the claim's rule (outbox-claims.ts): the oldest unpublished, unlocked,
 * due rows whose aggregate has no older unpublished version, locked until their batch ends. Each
 * claim is a turn of the event loop (Postgres's round trip): timers and commits interleave.
 */
class FakeOutbox {
  readonly rows: Row[] = [];
  claims = 0;
  /** Published in this order: the stream. */
  readonly stream: Row[] = [];
  /** Runs while each claim is in flight (a commit landing meanwhile, say). */
  duringClaim?: () => void;
  private seq = 0;

  append(agg: string, versions: number, from = 1): number {
    for (let v = from; v < from + versions; v++) {
      this.rows.push({ id: `${agg}#${v}#${this.seq++}`, agg, ver: v, published: false, locked: false, availableAt: 0, attempts: 0 });
    }
    return versions;
  }

  private claimable(limit: number): Row[] {
    const now = Date.now();
    const picked = this.rows.filter(
      (r) => !r.published && !r.locked && r.availableAt <= now && !this.rows.some((o) => !o.published && o.agg === r.agg && o.ver < r.ver),
    );
    return picked.slice(0, limit);
  }

  readonly claimsStub = {
    worthClaiming: async () => true,
    expectRows: () => undefined,
    mayKeepConnection: () => false,
    claim: async (limit: number): Promise<LockedBatch | undefined> => {
      this.claims++;
      await new Promise((resolve) => setImmediate(resolve));
      const picked = this.claimable(limit);
      picked.forEach((r) => (r.locked = true));
      this.duringClaim?.();
      if (picked.length === 0) return undefined;
      return {
        rows: picked.map((r) => ({ id: r.id, ctid: '(0,1)', type: 'probe.ThingHappened', body: '{}', traceparent: null, attempts: r.attempts })),
        mayBeLost: false,
        release: async (id: string, _e: string, delayMs: number, counted: boolean) => {
          const r = picked.find((p) => p.id === id)!;
          r.availableAt = Date.now() + delayMs;
          if (counted) r.attempts++;
        },
        park: async (id: string) => void this.rows.splice(this.rows.indexOf(picked.find((p) => p.id === id)!), 1),
        commit: async (ids: readonly string[]) => {
          await new Promise((resolve) => setImmediate(resolve));
          for (const r of picked) {
            r.locked = false;
            if (ids.includes(r.id)) {
              r.published = true;
              this.stream.push(r);
            }
          }
          return ids.length;
        },
        abandon: async () => void picked.forEach((r) => (r.locked = false)),
      } as unknown as LockedBatch;
    },
  };
}

const acking = { publish: async (): Promise<PublishOutcome> => ({ kind: 'ack' }) } as unknown as EventPublisher;
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('OutboxRelay: going again at once after a drain short of what commits promised', () => {
  let prunes = 0;
  const store = {
    backlog: async () => ({ unpublished: 0, oldestAt: null }),
    prunePublished: async () => (prunes++, 0),
    pruneInbox: async () => 0,
  } as unknown as OutboxStore;
  // A poll of ten minutes: anything that happens here happened without one.
  const options = { relayId: 'r', module: 'probe', batchSize: 100, maxAttempts: 3, pollMinMs: 600_000, pollMaxMs: 600_000 };
  let relay: OutboxRelay | undefined;

  beforeEach(() => (prunes = 0));
  afterEach(async () => {
    await relay?.stop(0);
    relay = undefined;
  });

  it('three versions of one aggregate in one commit: each claimed as soon as the one before it is published, not a poll later', async () => {
    const outbox = new FakeOutbox();
    relay = new OutboxRelay(store, outbox.claimsStub as unknown as OutboxClaims, acking, options);
    relay.start();
    await turns(5);
    const before = outbox.claims;
    relay.wake(outbox.append('versions', 3));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // One claim a version (each held back behind the last), then the promise is spent: the 10-minute poll.
    expect(outbox.stream.map((r) => r.ver)).toEqual([1, 2, 3]);
    expect(outbox.claims - before).toBe(3);
  });

  it('promised rows another relay holds (none claimable): one claim, then the poll, no claim loop', async () => {
    const outbox = new FakeOutbox();
    relay = new OutboxRelay(store, outbox.claimsStub as unknown as OutboxClaims, acking, options);
    relay.start();
    await turns(5);
    const before = outbox.claims;
    const promised = outbox.append('held-elsewhere', 3);
    outbox.rows.forEach((r) => (r.locked = true));
    relay.wake(promised);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(outbox.claims - before).toBe(1);
    expect(outbox.stream).toHaveLength(0);
  });

  it('a steady stream of commits of two versions each (one landing during each claim) still lets the relay prune history', async () => {
    const outbox = new FakeOutbox();
    relay = new OutboxRelay(store, outbox.claimsStub as unknown as OutboxClaims, acking, {
      ...options,
      retention: { outboxMs: 1, inboxMs: 1, pruneIntervalMs: 0 },
    });
    relay.start();
    await turns(5);
    const started = prunes;
    let k = 0;
    // A commit of two versions of a new aggregate while each claim runs: about 100 commits a second at 10 ms a drain.
    outbox.duringClaim = () => relay!.wake(outbox.append(`steady-${k++}`, 2));
    relay.wake(outbox.append(`steady-${k++}`, 2));
    for (let i = 0; i < 20_000 && outbox.claims < 200; i++) await turns(1);
    expect(outbox.claims).toBeGreaterThanOrEqual(200);
    outbox.duringClaim = undefined;
    // Every row up to the last few published: the relay keeps up.
    expect(outbox.stream.length).toBeGreaterThan(2 * k - 10);
    // The pruner (every pass of the loop here: an interval of 0) ran while the load lasted.
    expect(prunes - started).toBeGreaterThan(0);
  }, 15_000);

  it('rows claimed and given back (every publish refused): the chain ends, no claim loop while the rows wait', async () => {
    const outbox = new FakeOutbox();
    const refusing = { publish: async (): Promise<PublishOutcome> => ({ kind: 'rejected', error: 'refused' }) } as unknown as EventPublisher;
    relay = new OutboxRelay(store, outbox.claimsStub as unknown as OutboxClaims, refusing, { ...options, maxAttempts: 1_000 });
    relay.start();
    await turns(5);
    const before = outbox.claims;
    // Ten versions of one aggregate, and ten single-version aggregates: 20 promised.
    relay.wake(outbox.append('refused', 10) + Array.from({ length: 10 }, (_, i) => outbox.append(`single-${i}`, 1)).reduce((a, b) => a + b));
    await new Promise((resolve) => setTimeout(resolve, 40));
    // The first drain claims v1 and the ten singles (11 of 20, all refused, back in 100+ ms); the chain's next claim finds none.
    expect(outbox.claims - before).toBeLessThanOrEqual(3);
    expect(outbox.stream).toHaveLength(0);
  });

  it('RELAY_BATCH_SIZE=1, 5 aggregates of 40 versions interleaved in one commit: each published once, in order, in a bounded number of claims', async () => {
    const outbox = new FakeOutbox();
    relay = new OutboxRelay(store, outbox.claimsStub as unknown as OutboxClaims, acking, { ...options, batchSize: 1 });
    relay.start();
    await turns(5);
    const before = outbox.claims;
    let promised = 0;
    for (let v = 1; v <= 40; v++) for (let a = 0; a < 5; a++) promised += outbox.append(`agg-${a}`, 1, v);
    relay.wake(promised);
    for (let i = 0; i < 20_000 && outbox.stream.length < 200; i++) await turns(1);
    expect(outbox.stream).toHaveLength(200);
    expect(new Set(outbox.stream.map((r) => r.id)).size).toBe(200);
    for (let a = 0; a < 5; a++) {
      expect(outbox.stream.filter((r) => r.agg === `agg-${a}`).map((r) => r.ver)).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
    }
    // A round per row at most, and a claim of none per drain: within 3 claims a row.
    await turns(50);
    expect(outbox.claims - before).toBeLessThanOrEqual(600);
  }, 15_000);

  it('stop() in the middle of a chain of 200 versions: it ends, and its flush publishes the rest, in order', async () => {
    const outbox = new FakeOutbox();
    relay = new OutboxRelay(store, outbox.claimsStub as unknown as OutboxClaims, acking, options);
    relay.start();
    await turns(5);
    relay.wake(outbox.append('long', 200));
    for (let i = 0; i < 20_000 && outbox.stream.length < 20; i++) await turns(1);
    expect(outbox.stream.length).toBeLessThan(200);
    await relay.stop(5_000);
    expect(outbox.stream.map((r) => r.ver)).toEqual(Array.from({ length: 200 }, (_, k) => k + 1));
    const after = outbox.claims;
    await turns(50);
    expect(outbox.claims).toBe(after);
  }, 15_000);
});
