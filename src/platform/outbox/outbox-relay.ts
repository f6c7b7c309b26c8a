import { Logger } from '@nestjs/common';
import { backoffMs } from '../backoff';
import { EventPublisher, RetryLaterError } from '../messaging/event-publisher';
import { relayEvents } from '../observability/messaging-metrics';
import { ClaimedRow, OutboxStore } from './outbox-store';

export interface RelayOptions {
  relayId: string;
  module: string;
  retention?: { outboxMs: number; inboxMs: number; pruneIntervalMs: number };
  batchSize: number;
  leaseMs: number;
  pollMinMs: number;
  pollMaxMs: number;
  maxAttempts: number;
}

/** Test builds only: lets a suite make the relay "die" between the PubAck and the mark. */
export abstract class RelayFailPoint {
  abstract afterPublish(ids: readonly string[]): void;
}

export interface RelayStats {
  claimed: number;
  published: number;
  duplicates: number;
  failures: number;
  parked: number;
}

const BROKER_BACKOFF = { baseMs: 100, maxMs: 5_000 };

/**
 * Publishes one module's outbox: claim a batch under a lease, publish it with many PubAcks in
 * flight, mark what the broker acknowledged. Woken in memory after local commits; polls
 * adaptively (fast while there is work, slower when idle) for rows written by other processes.
 */
export class OutboxRelay {
  readonly stats: RelayStats = { claimed: 0, published: 0, duplicates: 0, failures: 0, parked: 0 };
  private readonly logger: Logger;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakePending = false;
  private wakeUp: (() => void) | undefined;
  private brokerFailures = 0;
  private stopping?: Promise<void>;
  private lastPrune = Date.now();

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly options: RelayOptions,
    private readonly failPoint?: RelayFailPoint,
  ) {
    this.logger = new Logger(`OutboxRelay:${options.relayId}`);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.reclaimFromDeadLocalRelays().then(() => this.loop());
  }

  /**
   * A relay of this host whose process is gone (killed, crashed) would hold its rows until
   * its lease runs out; a restart on the same host takes them back at once instead.
   */
  private async reclaimFromDeadLocalRelays(): Promise<void> {
    const [host] = this.options.relayId.split(':');
    try {
      for (const owner of await this.store.leaseOwners()) {
        const [ownerHost, pid] = owner.split(':');
        if (ownerHost !== host || Number(pid) === process.pid || isAlive(Number(pid))) continue;
        this.logger.warn(`taking back the leases of ${owner}: its process is gone`);
        await this.store.releaseLeasesOf(owner);
      }
    } catch (error) {
      this.logger.warn(`could not check for dead relays: ${describe(error)}`);
    }
  }

  /**
   * Finishes the batch in flight (publish, await PubAcks, mark), publishes what is left for a
   * short while (rows the last requests committed), then stops. Idempotent.
   */
  stop(flushMs = 2_000): Promise<void> {
    this.stopping ??= this.shutDown(flushMs);
    return this.stopping;
  }

  private async shutDown(flushMs: number): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    const deadline = Date.now() + flushMs;
    try {
      while (Date.now() < deadline && (await this.drainOnce()) > 0);
    } catch (error) {
      this.logger.warn(`final flush stopped: ${describe(error)}; the rows wait for the next relay`);
    }
  }

  wake(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  /** One claim-publish-mark round; returns how many rows it claimed. */
  async drainOnce(): Promise<number> {
    const rows = await this.store.claim(this.options.batchSize, this.options.leaseMs, this.options.relayId);
    if (rows.length === 0) return 0;
    this.stats.claimed += rows.length;
    const results = await Promise.allSettled(rows.map((row) => this.publisher.publish(row.envelope)));
    const published = rows.filter((_, i) => results[i].status === 'fulfilled').map((row) => row.id);
    this.failPoint?.afterPublish(published);
    await this.store.markPublished(published);
    this.stats.published += published.length;
    const duplicates = results.filter((r) => r.status === 'fulfilled' && r.value.duplicate).length;
    this.stats.duplicates += duplicates;
    relayEvents.inc({ module: this.options.module, result: 'published' }, published.length - duplicates);
    if (duplicates > 0) relayEvents.inc({ module: this.options.module, result: 'duplicate' }, duplicates);
    let brokerAway = false;
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') brokerAway = (await this.handleFailure(rows[i], result.reason)) || brokerAway;
    }
    if (brokerAway) throw new BrokerUnavailableError();
    return rows.length;
  }

  private async handleFailure(row: ClaimedRow, reason: unknown): Promise<boolean> {
    this.stats.failures++;
    relayEvents.inc({ module: this.options.module, result: reason instanceof RetryLaterError ? 'retry' : 'failed' });
    const error = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    if (reason instanceof RetryLaterError) {
      // A consumer of the in-process transport asked for a retry: its backoff, not an attempt of ours.
      await this.store.release(row.id, this.options.relayId, error, reason.delayMs, false);
      return false;
    }
    this.logger.warn(`publishing ${row.envelope.type} ${row.id} failed: ${error}`);
    if (this.publisher.isTransient(reason)) {
      await this.store.release(row.id, this.options.relayId, error, 0, false);
      return true;
    }
    if (row.attempts + 1 >= this.options.maxAttempts) {
      this.logger.error(`parking event ${row.id} (${row.envelope.type}) after ${row.attempts + 1} attempts: ${error}`);
      await this.store.park(row.id, this.options.relayId, error);
      this.stats.parked++;
      relayEvents.inc({ module: this.options.module, result: 'parked' });
    } else {
      await this.store.release(row.id, this.options.relayId, error, backoffMs(row.attempts + 1, 100, 30_000), true);
    }
    return false;
  }

  private async loop(): Promise<void> {
    let idleMs = this.options.pollMinMs;
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.drainOnce();
        this.brokerFailures = 0;
      } catch (error) {
        this.brokerFailures++;
        const delay = backoffMs(this.brokerFailures, BROKER_BACKOFF.baseMs, BROKER_BACKOFF.maxMs);
        this.logger.warn(`relay round failed (${describe(error)}); retrying in ${delay} ms`);
        await this.idle(delay, false);
        continue;
      }
      if (claimed >= this.options.batchSize) continue;
      await this.pruneWhenDue();
      idleMs = claimed > 0 ? this.options.pollMinMs : Math.min(idleMs * 2, this.options.pollMaxMs);
      await this.idle(idleMs, true);
    }
  }

  /** Between rounds, every `pruneIntervalMs`: drop published rows and inbox entries past retention. */
  private async pruneWhenDue(): Promise<void> {
    const retention = this.options.retention;
    if (!retention || Date.now() - this.lastPrune < retention.pruneIntervalMs) return;
    this.lastPrune = Date.now();
    try {
      const rows = await this.store.prunePublished(retention.outboxMs);
      const entries = await this.store.pruneInbox(retention.inboxMs);
      if (rows + entries > 0) this.logger.log(`pruned ${rows} published outbox rows, ${entries} inbox entries`);
    } catch (error) {
      this.logger.warn(`pruning failed: ${describe(error)}`);
    }
  }

  private idle(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (wakeable && this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.wakePending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = wakeable ? done : () => (this.running ? undefined : done());
    });
  }
}

export class BrokerUnavailableError extends Error {
  constructor() {
    super('broker unavailable');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

