/**
 * Acks and naks settled in one turn of the event loop, sent together: nats.js writes what one
 * synchronous run queued in one socket write, and deliveries finish in separate callbacks (each
 * its COMMIT's answer), so each ack was a write of its own; on this project's 2-core VM a
 * loopback write costs tens of microseconds of the Node thread. `add` resolves once the action
 * ran, so a closing server that awaits its deliveries has sent their acks before the connection goes.
 */
export class SettleBatch {
  private pending: (() => void)[] = [];
  private sent?: Promise<void>;

  /**
   * `lingerMs` > 0: the actions of that many milliseconds go together, not only those of one turn.
   * `ready` false (the connection is down): they wait for it. nats.js would take them into the
   * buffer it empties when it reconnects, and each would come back only after ack_wait.
   */
  constructor(
    private readonly lingerMs = 0,
    private readonly ready: () => boolean = () => true,
  ) {}

  add(action: () => void): Promise<void> {
    this.pending.push(action);
    this.sent ??= new Promise((resolve) => {
      const flush = () => {
        // Unref'd: waiting for a connection never keeps a process alive (its acks are then lost, and redelivered).
        if (!this.ready()) return void setTimeout(flush, Math.max(this.lingerMs, 10)).unref();
        const actions = this.pending;
        this.pending = [];
        this.sent = undefined;
        actions.forEach(settle);
        resolve();
      };
      if (this.lingerMs > 0) setTimeout(flush, this.lingerMs);
      else setImmediate(flush);
    });
    return this.sent;
  }

  /** Once every action added so far has run (those added meanwhile too). */
  async flushed(): Promise<void> {
    while (this.sent) await this.sent;
  }
}

/** An ack or nak on a closing connection throws; the message is redelivered, which the inbox absorbs. */
export function settle(action: () => void): void {
  try {
    action();
  } catch {
    /* connection closing: JetStream redelivers after ack_wait */
  }
}
