import { performance } from 'node:perf_hooks';
import { createInbox, ErrorCode, Msg, MsgHdrs, NatsConnection, NatsError, Subscription } from 'nats';

/** What the broker answered to one JetStream publish. */
export type PubAckResult =
  | { kind: 'ack'; duplicate: boolean }
  /** No answer in time, no stream for the subject (no responders), or the connection is going. */
  | { kind: 'away'; error: string }
  /** JetStream answered with an error for this message. */
  | { kind: 'refused'; error: string };

interface Waiting {
  resolve: (result: PubAckResult) => void;
  /** On the monotonic clock: a wall clock set back would hold a wait (and its batch) that much longer. */
  deadline: number;
  /** To find the publish a permissions violation names. */
  subject: string;
}

/** A client's refusals that say the connection is going, not that the message is wrong (too big, say). */
const CONNECTION_GOING = new Set<string>([ErrorCode.ConnectionClosed, ErrorCode.ConnectionDraining, ErrorCode.Disconnect, ErrorCode.ConnectionRefused, ErrorCode.ConnectionTimeout]);

/** How often the waits are checked for their deadline: a timeout is noticed this much late at most. */
const SWEEP_MS = 250;

/**
 * JetStream publishes over core NATS: each message carries a reply subject under one inbox, and
 * one subscription (a callback, no iterator) hands each PubAck to its waiting publish. The same
 * protocol as the client's `js.publish`, which makes a request per message: a timer, a deferred
 * and a mux entry each, and an Error built (stack captured) when every request ends, even a
 * successful one. That was half of the relay's Node CPU per row; here a publish costs a map entry
 * (the relay bench prints both side by side). Timeouts are checked by one sweep.
 */
export class PubAckLane {
  private readonly prefix: string;
  private readonly waiting = new Map<string, Waiting>();
  private readonly subscription: Subscription;
  private sweeper?: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    // Under the connection's own inbox prefix, which an account's permissions may require.
    this.prefix = createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
    this.subscription = nc.subscribe(`${this.prefix}.*`, { callback: (error, msg) => (error ? this.closeAll(error) : this.answer(msg)) });
    // A subscription ends with its connection (closed, drained): nobody would answer the waits.
    void this.subscription.closed.then(() => this.closeAll(new Error('the NATS connection closed')));
    void this.hearRefusals();
  }

  /** Nobody hears PubAcks any more: its connection closed, or the server refused the reply subscription. */
  get closed(): boolean {
    return this.subscription.isClosed();
  }

  /** Publishes `data` to `subject` and waits for the broker's PubAck; never throws. */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<PubAckResult> {
    if (this.subscription.isClosed()) return Promise.resolve({ kind: 'away', error: 'the NATS connection closed' });
    const token = (this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER).toString(36);
    return new Promise<PubAckResult>((resolve) => {
      this.waiting.set(token, { resolve, deadline: performance.now() + this.timeoutMs, subject });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers });
      } catch (error) {
        // Closed or draining, or a message the client will not send (over the server's max_payload).
        this.waiting.delete(token);
        const going = error instanceof NatsError && CONNECTION_GOING.has(error.code);
        resolve({ kind: going ? 'away' : 'refused', error: describe(error) });
        return;
      }
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    });
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length + 1);
    const waiting = this.waiting.get(token);
    if (!waiting) return; // answered after its timeout: the relay has counted it away already
    this.waiting.delete(token);
    // A throw here would leave this publish (and its batch) waiting for ever, and it would reach the
    // client's parser, which stops reading the connection: every consumer of the process with it.
    let result: PubAckResult;
    try {
      result = pubAckOf(msg);
    } catch (error) {
      result = { kind: 'refused', error: `an unreadable PubAck: ${describe(error)}` };
    }
    waiting.resolve(result);
  }

  /**
   * A publish the account may not make gets no reply, only the server's -ERR naming its subject
   * (the connection stays). js.publish failed that request at once, so the relay counted and
   * parked the row; unheard, it would wait out the timeout as "away" and be retried forever.
   */
  private async hearRefusals(): Promise<void> {
    const statuses = this.nc.status();
    // The connection stops its status iterators when it closes; a lane given up before that stops its own.
    void this.subscription.closed.then(() => (statuses as { stop?: () => void }).stop?.());
    for await (const status of statuses) {
      const context = status.permissionContext;
      if (context?.operation === 'publish') this.refuse(context.subject, `${String(status.data)}: publish to "${context.subject}" denied`);
    }
  }

  /** The server answers in order: the oldest wait on that subject is the one refused. */
  private refuse(subject: string, error: string): void {
    for (const [token, waiting] of this.waiting) {
      if (waiting.subject !== subject) continue;
      this.waiting.delete(token);
      waiting.resolve({ kind: 'refused', error });
      return;
    }
  }

  /** Waits are in the map in publish order, all with the same timeout: the expired ones come first. */
  private sweep(): void {
    const now = performance.now();
    for (const [token, waiting] of this.waiting) {
      if (waiting.deadline > now) break;
      this.waiting.delete(token);
      waiting.resolve({ kind: 'away', error: `no PubAck within ${this.timeoutMs} ms` });
    }
    if (this.waiting.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private closeAll(error: unknown): void {
    for (const waiting of this.waiting.values()) waiting.resolve({ kind: 'away', error: describe(error) });
    this.waiting.clear();
  }
}

/** A PubAck, a JetStream error reply, or a no-responders status (no stream takes the subject). */
export function pubAckOf(msg: Msg): PubAckResult {
  if (msg.data.length === 0) {
    const code = msg.headers?.code ?? 0;
    return code === 503 ? { kind: 'away', error: 'no responders: no stream takes this subject, or JetStream is unavailable' } : { kind: 'refused', error: `status ${code} ${msg.headers?.description ?? ''}`.trim() };
  }
  let reply: { stream?: unknown; seq?: unknown; duplicate?: boolean; error?: { code?: number; description?: string } } | null;
  try {
    reply = JSON.parse(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString());
  } catch {
    return { kind: 'refused', error: 'a PubAck that is not JSON' };
  }
  // Anyone answering on the subject (a core responder) may say `null`, a number, a list.
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return { kind: 'refused', error: 'a PubAck that is not a JSON object' };
  if (reply.error) {
    const error = `JetStream error ${reply.error.code ?? '?'}: ${reply.error.description ?? ''}`;
    // 503: JetStream itself is unavailable (no quorum, disabled), not this message's fault.
    return reply.error.code === 503 ? { kind: 'away', error } : { kind: 'refused', error };
  }
  // JetStream's PubAck always names its stream and the message's sequence: anything else (an echo,
  // a stray responder on the subject) would mark a row published that no stream holds.
  if (typeof reply.stream !== 'string' || reply.stream === '' || !Number.isSafeInteger(reply.seq) || (reply.seq as number) < 1) {
    return { kind: 'refused', error: 'a reply that is not a PubAck (no stream or sequence)' };
  }
  return { kind: 'ack', duplicate: reply.duplicate === true };
}

const describe = (error: unknown): string => (error instanceof NatsError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error));
