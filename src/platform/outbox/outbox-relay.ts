import { Logger } from '@nestjs/common';
import { backoffMs } from '../backoff';
import { EventPublisher } from '../messaging/event-publisher';
import { OutboxBacklog } from './outbox-backlog';
import { OutboxStore } from './outbox-store';
import { OutboxPruner, Retention } from './outbox-pruner';
import { RelayFailPoint, RelayRound, RelayStats, RoundOptions } from './relay-round';

export interface RelayOptions extends RoundOptions {
  retention?: Retention;
  pollMinMs: number;
  pollMaxMs: number;
}

const BROKER_BACKOFF = { baseMs: 100, maxMs: 5_000 };
/** Rounds the wait past a lease's expiry, so the next claim does not come a hair too early. */
const LEASE_EXPIRY_SLACK_MS = 5;

/**
 * Publishes one module's outbox, round after round (RelayRound). Woken in memory after local
 * commits; polls adaptively for the rest: fast while there is work, slower when idle, but never
 * past the moment another relay's lease runs out, so a dead relay's rows are taken over at once.
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private readonly round: RelayRound;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakePending = false;
  private wakeUp: (() => void) | undefined;
  private brokerFailures = 0;
  private stopping?: Promise<void>;
  private readonly pruner?: OutboxPruner;
  private readonly backlog: OutboxBacklog;

  constructor(
    private readonly store: OutboxStore,
    publisher: EventPublisher,
    private readonly options: RelayOptions,
    failPoint?: RelayFailPoint,
  ) {
    this.logger = new Logger(`OutboxRelay:${options.relayId}`);
    this.round = new RelayRound(store, publisher, options, this.logger, failPoint);
    if (options.retention) this.pruner = new OutboxPruner(store, options.retention, this.logger);
    this.backlog = new OutboxBacklog(store, options.module);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.backlog.start();
    this.loopDone = this.loop();
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
    this.backlog.stop();
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

  get stats(): RelayStats {
    return this.round.stats;
  }

  /** One claim-publish-mark round; returns how many rows it claimed. */
  drainOnce(): Promise<number> {
    return this.round.run();
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
      await this.pruner?.pruneWhenDue();
      idleMs = claimed > 0 ? this.options.pollMinMs : Math.min(idleMs * 2, this.options.pollMaxMs);
      await this.idle(claimed > 0 ? idleMs : await this.untilLeaseExpiry(idleMs), true);
    }
  }

  /** A dead relay's rows are free the moment its lease runs out: look again then, not a poll later. */
  private async untilLeaseExpiry(idleMs: number): Promise<number> {
    try {
      const ms = await this.store.msUntilFirstLeaseExpires();
      return ms === undefined ? idleMs : Math.min(idleMs, ms + LEASE_EXPIRY_SLACK_MS);
    } catch {
      return idleMs;
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

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

