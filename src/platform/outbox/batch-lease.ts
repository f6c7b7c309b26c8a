import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { OutboxStore } from './outbox-store';

/**
 * A batch still in flight after this is hung, not slow (a PubAck wait times out after 5 s; an
 * in-process consumer this slow is stuck): its lease is left to run out so any relay can take
 * the rows (the inbox absorbs the repeat in-process, the broker's dedup over JetStream).
 */
export const MAX_HOLD_MS = 60_000;

/**
 * The lease of one claimed batch while it is in flight. Leases are short so that a dead relay's
 * rows are free again within one lease on any host; the relay holding them renews every third
 * of the lease, so a live one keeps them however long its PubAcks (or in-process consumers) take.
 *
 * The batch's writes (mark, release, park) go through `write`, one at a time with the renewals:
 * a renewal and a mark updating the same rows side by side could deadlock.
 */
export class BatchLease {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private ended = false;
  private renewing = false;
  private readonly started = performance.now();

  constructor(
    private readonly store: OutboxStore,
    private readonly ids: readonly string[],
    private readonly relayId: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(leaseMs / 3)));
  }

  write<T>(statement: () => Promise<T>): Promise<T> {
    const result = this.tail.then(statement);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Stops renewing once the batch's writes are done; the rows left leased run out by themselves. */
  async end(): Promise<void> {
    this.ended = true;
    clearInterval(this.timer);
    await this.tail;
  }

  private async renew(): Promise<void> {
    if (this.renewing) return;
    if (performance.now() - this.started > MAX_HOLD_MS) {
      this.logger.warn(`a batch has been in flight for ${MAX_HOLD_MS} ms: no longer renewing its lease, another relay may take it`);
      clearInterval(this.timer);
      return;
    }
    this.renewing = true;
    try {
      const renewed = await this.write(() =>
        this.ended ? Promise.resolve(-1) : this.store.renewLeases(this.ids, this.relayId, this.leaseMs),
      );
      // Nothing left to hold: every row is marked, released, or (after a stall) another relay's.
      if (renewed === 0) clearInterval(this.timer);
    } catch (error) {
      this.logger.warn(`could not renew the batch's lease: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.renewing = false;
    }
  }
}
