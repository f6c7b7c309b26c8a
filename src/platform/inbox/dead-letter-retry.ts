import { DispatchOutcome, EventDispatcher } from '../messaging/event-dispatcher';
import { DeadLetters } from './dead-letters';

export type RetryOutcome = DispatchOutcome['kind'] | 'requeued';

/**
 * An operator's retry of one open dead letter (HTTP and CLI alike): a parked outbox row goes back
 * to the outbox for the relay; a parked delivery runs once more through the dispatcher (contract
 * check, inbox, effect), parked again if it fails. Null when no open dead letter has that id.
 */
export async function retryDeadLetter(deadLetters: DeadLetters, dispatcher: EventDispatcher, id: string): Promise<RetryOutcome | null> {
  const letter = await deadLetters.find(id);
  if (!letter || letter.retriedAt) return null;
  if (letter.source === 'outbox') return (await deadLetters.requeueOutbox(id)) ? 'requeued' : null;
  const raw = letter.raw ?? JSON.stringify(letter.envelope);
  const outcome = await dispatcher.retryParked(letter.consumer!, letter.type ?? '', raw);
  await deadLetters.markRetried(id);
  return outcome.kind;
}
