/** Set by the global setup when no NATS answers (never in CI, which requires the services). */
export const NATS_AVAILABLE = process.env.TEST_NATS !== 'down';

/** `describe` for suites that need a JetStream broker; skipped, visibly, without one. */
export const describeWithNats: jest.Describe = NATS_AVAILABLE ? describe : describe.skip;
