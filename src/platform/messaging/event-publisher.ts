import { EventEnvelope } from '../../contracts/event-envelope';

export interface PublishAck {
  /** The broker had this event id already (dedup window): it counts as published. */
  duplicate: boolean;
}

/** What the relay needs from a transport; JetStream now, an in-process one later (#4). */
export abstract class EventPublisher {
  abstract publish(envelope: EventEnvelope): Promise<PublishAck>;
  /** True when the error says the broker is away (retry without counting an attempt). */
  abstract isTransient(error: unknown): boolean;
}

/** A delivery that must be tried again later (a consumer asked for a retry): not a broker fault. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}
