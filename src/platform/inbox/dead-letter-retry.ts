import { DispatchOutcome, EventDispatcher } from '../messaging/event-dispatcher';
import { DeadLetters } from './dead-letters';

export type RetryOutcome = DispatchOutcome['kind'] | 'requeued';

/**
 * An operator's retry of one open dead letter (HTTP and CLI alike): a parked outbox row goes back
 * to the outbox for the relay; a parked delivery runs once more through the dispatcher (contract
 * check, inbox, effect), parked again if it fails; 'retry' (left open) when nothing here reads its
 * type. Null when no open dead letter has that id, or another retry of it is running.
 */
export async function retryDeadLetter(deadLetters: DeadLetters, dispatcher: EventDispatcher, id: string): Promise<RetryOutcome | null> {
  const letter = await deadLetters.find(id);
  if (!letter || letter.retriedAt) return null;
  if (letter.source === 'outbox') return (await deadLetters.requeueOutbox(id)) ? 'requeued' : null;
  const raw = letter.raw ?? JSON.stringify(letter.envelope);
  return deadLetters.whileClaimed(id, async () => {
    const { kind } = await dispatcher.retryParked(letter.consumer!, letter.type ?? '', raw);
    // Applied, or parked again under a new letter: this one is done. Not run at all (no listener
    // of its type in this process): closing it would lose the event from every operator's view.
    return { result: kind, close: kind !== 'retry' };
  });
}
