/** What a consumer's delivery came to: the transport acks, retries later (naks) or has parked it. */
export type DispatchOutcome =
  | { kind: 'ack'; duplicate: boolean }
  | { kind: 'retry'; delayMs: number; error: string; counted: boolean }
  | { kind: 'dead-lettered'; error: string };
