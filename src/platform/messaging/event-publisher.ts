/** An outbox row as a transport sends it: the envelope's stored JSON, never parsed on the way. */
export interface OutgoingEvent {
  readonly id: string;
  readonly type: string;
  /** The envelope as stored (JSON text). */
  readonly body: string;
  readonly traceparent?: string | null;
}

/**
 * What publishing one event came to. The normal cases are outcomes, not exceptions: the relay
 * decides from them (relay-decision.ts) and never has to tell a bug from a broker outage.
 */
export type PublishOutcome =
  /** The broker has it (or, in-process, every consumer committed it). */
  | { kind: 'ack' }
  /** The broker had this event id already (dedup window): it counts as published. */
  | { kind: 'duplicate' }
  /** A consumer asked to be asked again later (in-process transport): not a fault of the event. */
  | { kind: 'retry-later'; delayMs: number; error: string }
  /** The broker is away (timeout, disconnect): no fault of the event; the relay backs off. */
  | { kind: 'broker-away'; error: string }
  /** The broker refused this event (too big, say): counts toward parking it. */
  | { kind: 'rejected'; error: string };

export const ACKED: PublishOutcome = Object.freeze({ kind: 'ack' });
export const DUPLICATE: PublishOutcome = Object.freeze({ kind: 'duplicate' });

/** What the relay needs from a transport: JetStream, or the in-process one. */
export abstract class EventPublisher {
  abstract publish(event: OutgoingEvent): Promise<PublishOutcome>;
  /**
   * Whether a publish settles in about a broker's round trip, so a batch may be claimed in its
   * producer's commit and hold that connection meanwhile (OutboxRelay.handOff).
   */
  readonly settlesQuickly: boolean = true;
}

export const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
