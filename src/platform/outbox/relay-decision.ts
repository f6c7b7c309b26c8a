import { backoffMs } from '../backoff';
import { PublishOutcome } from '../messaging/event-publisher';

/** What the relay does with a claimed row once its publish has an outcome. */
export type RelayDecision =
  | { action: 'mark' }
  /** Back to the outbox until `delayMs` from now; `counted` moves it toward parking; `backOff` pauses the relay. */
  | { action: 'release'; delayMs: number; counted: boolean; backOff: boolean }
  /** To the dead-letter table, so its aggregate's later events flow. */
  | { action: 'park' };

export const FIRST_RETRY_MS = 100;
export const MAX_RETRY_MS = 30_000;

const MARK: RelayDecision = Object.freeze({ action: 'mark' });

/**
 * The relay's decision table. An ack or a duplicate is published. A consumer's retry request
 * (in-process) keeps its own delay and costs no attempt; a broker away costs none either and
 * backs the whole relay off. A rejection counts, with backoff, until the last attempt parks it.
 * `attempts` are the counted failures before this one.
 */
export function decide(outcome: PublishOutcome, attempts: number, maxAttempts: number, random = Math.random): RelayDecision {
  switch (outcome.kind) {
    case 'ack':
    case 'duplicate':
      return MARK;
    case 'retry-later':
      return { action: 'release', delayMs: outcome.delayMs, counted: false, backOff: false };
    case 'broker-away':
      return { action: 'release', delayMs: 0, counted: false, backOff: true };
    case 'rejected': {
      const attempt = attempts + 1;
      if (attempt >= maxAttempts) return { action: 'park' };
      return { action: 'release', delayMs: backoffMs(attempt, FIRST_RETRY_MS, MAX_RETRY_MS, random), counted: true, backOff: false };
    }
  }
}
