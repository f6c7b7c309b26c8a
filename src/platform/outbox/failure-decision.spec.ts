import { RetryLaterError } from '../messaging/event-publisher';
import { decideOnFailure } from './failure-decision';

class BrokerAway extends Error {}
const policy = { isTransient: (e: unknown) => e instanceof BrokerAway, maxAttempts: 3 };

describe('decideOnFailure', () => {
  it('given a consumer retry request, releases after its delay without counting an attempt', () => {
    expect(decideOnFailure(new RetryLaterError('later', 750), 2, policy)).toEqual({
      action: 'release',
      delayMs: 750,
      counted: false,
      brokerAway: false,
    });
  });

  it('given the broker away, releases at once, uncounted, and says so (the relay backs off)', () => {
    expect(decideOnFailure(new BrokerAway(), 2, policy)).toEqual({ action: 'release', delayMs: 0, counted: false, brokerAway: true });
  });

  it('given a failure before the last attempt, releases with backoff and counts it', () => {
    const decision = decideOnFailure(new Error('rejected'), 1, policy);
    expect(decision).toMatchObject({ action: 'release', counted: true, brokerAway: false });
    expect(decision.action === 'release' && decision.delayMs).toBeGreaterThanOrEqual(100);
    expect(decision.action === 'release' && decision.delayMs).toBeLessThanOrEqual(200);
  });

  it('given the last attempt failing, parks the row', () => {
    expect(decideOnFailure(new Error('too big'), 2, policy)).toEqual({ action: 'park' });
  });
});
