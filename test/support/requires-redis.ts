/** Set by the global setup when no Redis answers (never in CI, which requires the services). */
export const REDIS_AVAILABLE = process.env.TEST_REDIS !== 'down';

/** `describe` for suites that need Redis; skipped, visibly, without one. */
export const describeWithRedis: jest.Describe = REDIS_AVAILABLE ? describe : describe.skip;
