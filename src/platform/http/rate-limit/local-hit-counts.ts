import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** One throttler's hits on one key: their expiry times in the order they came (one ttl per throttler). */
class Hits {
  private expiries: number[] = [];
  private head = 0;

  get count(): number {
    return this.expiries.length - this.head;
  }

  get oldest(): number {
    return this.expiries[this.head];
  }

  add(expiresAt: number): void {
    this.expiries.push(expiresAt);
  }

  /** Drops the expired ones from the front: each hit is dropped once, so a request costs O(1) on average. */
  prune(now: number): void {
    while (this.head < this.expiries.length && this.expiries[this.head] <= now) this.head++;
    if (this.head > 1_024 && this.head * 2 > this.expiries.length) {
      this.expiries = this.expiries.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.expiries = [];
    this.head = 0;
  }
}

interface KeyRecord {
  expiresAt: number;
  blockExpiresAt: number;
  isBlocked: boolean;
  hits: Map<string, Hits>;
}

const SWEEP_MS = 60_000;

/**
 * The rate limiter's in-process counts, answering exactly as @nestjs/throttler's
 * ThrottlerStorageService does (a sliding log of hits per key and throttler, then a block for
 * `blockDuration`), at O(1) a request. That service filters a key's whole hit list on every
 * request (up to the limit: with a high limit, or every client behind one proxy address, tens of
 * thousands of entries a request) and spreads it into Math.min when it does not block.
 * `local-hit-counts.spec.ts` runs both on the same requests and clock and compares every answer.
 */
export class LocalHitCounts {
  private readonly records = new Map<string, KeyRecord>();
  private sweeper?: NodeJS.Timeout;

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): ThrottlerStorageRecord {
    this.sweeper ??= setInterval(() => this.evictIdle(), SWEEP_MS).unref();
    const now = Date.now();
    let record = this.records.get(key);
    if (!record) {
      record = { expiresAt: now + ttl, blockExpiresAt: 0, isBlocked: false, hits: new Map() };
      this.records.set(key, record);
    }
    let hits = record.hits.get(throttlerName);
    if (!hits) {
      hits = new Hits();
      record.hits.set(throttlerName, hits);
    }
    hits.prune(now);
    let timeToExpire = Math.ceil((record.expiresAt - now) / 1000);
    if (timeToExpire <= 0) {
      record.expiresAt = now + ttl;
      timeToExpire = Math.ceil((record.expiresAt - now) / 1000);
    }
    if (blockDuration <= 0) {
      const isBlocked = hits.count >= limit;
      if (!isBlocked) hits.add(now + ttl);
      const timeToBlockExpire = hits.count > 0 ? Math.ceil((hits.oldest - now) / 1000) : timeToExpire;
      return { totalHits: hits.count + (isBlocked ? 1 : 0), timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToBlockExpire : 0 };
    }
    if (!record.isBlocked) hits.add(now + ttl);
    if (hits.count > limit && !record.isBlocked) {
      record.isBlocked = true;
      record.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((record.blockExpiresAt - now) / 1000);
    if (timeToBlockExpire <= 0 && record.isBlocked) {
      record.isBlocked = false;
      hits.clear();
      hits.add(now + ttl);
    }
    return { totalHits: hits.count, timeToExpire, isBlocked: record.isBlocked, timeToBlockExpire };
  }

  /** Forgets keys with nothing live (the other service's sweep): a client seen once costs nothing for ever. */
  private evictIdle(now = Date.now()): void {
    for (const [key, record] of this.records) {
      if ((record.isBlocked && record.blockExpiresAt > now) || record.expiresAt > now) continue;
      let live = false;
      for (const hits of record.hits.values()) {
        hits.prune(now);
        live ||= hits.count > 0;
      }
      if (!live) this.records.delete(key);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.records.clear();
  }
}
