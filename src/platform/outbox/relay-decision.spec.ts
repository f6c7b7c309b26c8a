import { PublishOutcome } from '../messaging/event-publisher';
import { decide, RelayDecision } from './relay-decision';

const ack: PublishOutcome = { kind: 'ack' };
const duplicate: PublishOutcome = { kind: 'duplicate' };
const retryLater: PublishOutcome = { kind: 'retry-later', delayMs: 750, error: 'payment intent not there yet' };
const brokerAway: PublishOutcome = { kind: 'broker-away', error: 'TIMEOUT' };
const rejected: PublishOutcome = { kind: 'rejected', error: 'MAX_PAYLOAD_EXCEEDED' };
/** Full jitter at its top: the delay is the ceiling, 100·2^(attempt-1) ms capped at 30 s. */
const top = () => 1;

describe('decide (the relay decision table), max 3 attempts', () => {
  const table: [string, PublishOutcome, number, RelayDecision][] = [
    ['an ack is marked', ack, 0, { action: 'mark' }],
    ['an ack after failures is marked', ack, 2, { action: 'mark' }],
    ['a duplicate PubAck is marked (the broker had it)', duplicate, 0, { action: 'mark' }],
    ["a consumer's retry request: released after its delay, uncounted", retryLater, 2, { action: 'release', delayMs: 750, counted: false, backOff: false }],
    ['the broker away: released at once, uncounted, the relay backs off', brokerAway, 2, { action: 'release', delayMs: 0, counted: false, backOff: true }],
    ['a first rejection: released after 100 ms, counted', rejected, 0, { action: 'release', delayMs: 100, counted: true, backOff: false }],
    ['a second rejection: released after 200 ms, counted', rejected, 1, { action: 'release', delayMs: 200, counted: true, backOff: false }],
    ['the last attempt rejected: parked', rejected, 2, { action: 'park' }],
    ['a rejection past the limit (the limit was lowered): parked', rejected, 7, { action: 'park' }],
  ];

  it.each(table)('%s', (_name, outcome, attempts, expected) => {
    expect(decide(outcome, attempts, 3, top)).toEqual(expected);
  });

  it('jitters a counted release between half and all of its ceiling', () => {
    expect(decide(rejected, 1, 3, () => 0)).toEqual({ action: 'release', delayMs: 100, counted: true, backOff: false });
  });

  it('caps the delay at 30 s however many attempts', () => {
    expect(decide(rejected, 30, 1_000, top)).toMatchObject({ delayMs: 30_000 });
  });
});
