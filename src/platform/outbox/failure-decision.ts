import { backoffMs } from '../backoff';
import { RetryLaterError } from '../messaging/event-publisher';

/** What the relay does with a row whose publish failed. */
export type FailureDecision =
  | { action: 'release'; delayMs: number; counted: boolean; brokerAway: boolean }
  | { action: 'park' };

export interface FailurePolicy {
  isTransient(error: unknown): boolean;
  maxAttempts: number;
}

/**
 * A consumer's retry request (in-process transport) keeps its own backoff and costs no attempt;
 * a broker away costs none either and backs the whole relay off; any other failure counts, with
 * backoff, until the last attempt parks the row so its aggregate's later events can flow.
 */
export function decideOnFailure(reason: unknown, attempts: number, policy: FailurePolicy): FailureDecision {
  if (reason instanceof RetryLaterError) return { action: 'release', delayMs: reason.delayMs, counted: false, brokerAway: false };
  if (policy.isTransient(reason)) return { action: 'release', delayMs: 0, counted: false, brokerAway: true };
  const attempt = attempts + 1;
  if (attempt >= policy.maxAttempts) return { action: 'park' };
  return { action: 'release', delayMs: backoffMs(attempt, 100, 30_000), counted: true, brokerAway: false };
}
