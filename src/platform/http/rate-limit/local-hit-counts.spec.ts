import { ThrottlerStorageService } from '@nestjs/throttler';
import { LocalHitCounts } from './local-hit-counts';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

describe('LocalHitCounts', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['blocking for a while past the limit', 60_000, 5, 30_000, 1],
    ['blocking for the ttl (the app: 60 s, limit per minute)', 60_000, 20, 60_000, 2],
    ['not blocking (blockDuration 0)', 10_000, 3, 0, 3],
    ['a one-hit limit', 1_000, 1, 500, 4],
  ])('answers every request as @nestjs/throttler does, %s', async (_, ttl, limit, blockDuration, seed) => {
    const ours = new LocalHitCounts();
    const theirs = new ThrottlerStorageService();
    const next = random(seed);
    now = 1_000_000;
    let blocked = 0;
    try {
      for (let i = 0; i < 3_000; i++) {
        // Bursts and pauses: most steps a few ms (so the limits are reached and blocks happen), some
        // a fraction of the ttl, a few past the ttl and the block.
        const r = next();
        now += r < 0.95 ? Math.floor(next() * 20) : r < 0.99 ? Math.floor((next() * ttl) / 4) : ttl + blockDuration + 1;
        const key = `client-${Math.floor(next() * 3)}`;
        const name = next() < 0.8 ? 'default' : 'probes';
        const expected = await theirs.increment(key, ttl, limit, blockDuration, name);
        expect([i, ours.increment(key, ttl, limit, blockDuration, name)]).toEqual([i, expected]);
        blocked += expected.isBlocked ? 1 : 0;
      }
      // The comparison covered refusals, not only hits under the limit.
      expect(blocked).toBeGreaterThan(100);
    } finally {
      ours.close();
      theirs.onApplicationShutdown();
    }
  });

  it('counts 200k hits of one client in a minute (a high limit, or one proxy address) and still blocks past the limit', () => {
    const ours = new LocalHitCounts();
    now = 1_000_000;
    try {
      let last;
      for (let i = 0; i < 200_000; i++) {
        now += i % 4 === 0 ? 1 : 0; // 4 requests a millisecond: 200k within the minute
        last = ours.increment('one-proxy', 60_000, 1_000_000, 60_000, 'default');
      }
      expect(last).toMatchObject({ totalHits: 200_000, isBlocked: false });
      // A limit just below: the next hit blocks, for the block's duration.
      expect(ours.increment('one-proxy', 60_000, 200_000, 60_000, 'default')).toMatchObject({ totalHits: 200_001, isBlocked: true, timeToBlockExpire: 60 });
    } finally {
      ours.close();
    }
  });
});
