import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { EventPublisher, RetryLaterError } from '../messaging/event-publisher';
import { relayEvents } from '../observability/messaging-metrics';
import { relayPublishSeconds } from '../observability/operations-metrics';
import { BatchLease, MAX_HOLD_MS } from './batch-lease';
import { decideOnFailure } from './failure-decision';
import { ClaimedRow, OutboxStore } from './outbox-store';
import { publishBatch } from './publish-batch';

export interface RoundOptions {
  relayId: string;
  module: string;
  batchSize: number;
  leaseMs: number;
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

export class BrokerUnavailableError extends Error {
  constructor() {
    super('broker unavailable');
  }
}

/**
 * A batch whose claim is older than this when it would be published is left alone: a stall that
 * long means another relay has it, and a republish must land within the stream's 2-minute
 * duplicate window to be dropped there. Far above a pool wait (bounded at 10 s).
 */
const STALE_CLAIM_MS = MAX_HOLD_MS;

/**
 * One relay round: claim a batch under a short lease (renewed while it is in flight), publish it
 * with every PubAck in flight, mark what the broker acknowledged, release or park what failed.
 * Every write after the claim is fenced by `locked_by`: a relay that stalled past its lease
 * leaves alone the rows another relay took over.
 */
export class RelayRound {
  readonly stats: RelayStats = { claimed: 0, published: 0, duplicates: 0, failures: 0, parked: 0 };

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly options: RoundOptions,
    private readonly logger: Logger,
    private readonly failPoint?: RelayFailPoint,
  ) {}

  /** Returns how many rows it claimed; throws BrokerUnavailableError when the broker is away. */
  async run(): Promise<number> {
    const { relayId, leaseMs } = this.options;
    const claimStarted = performance.now();
    const rows = await this.store.claim(this.options.batchSize, leaseMs, relayId);
    if (rows.length === 0) return 0;
    this.stats.claimed += rows.length;
    const lease = new BatchLease(this.store, rows.map((row) => row.id), relayId, leaseMs, this.logger);
    try {
      const age = performance.now() - claimStarted;
      if (age > STALE_CLAIM_MS) {
        this.logger.warn(`skipping a batch claimed ${Math.round(age)} ms ago: its lease is long gone`);
        return rows.length;
      }
      const publishTimer = relayPublishSeconds.startTimer({ module: this.options.module });
      const outcome = await publishBatch(this.publisher, rows);
      publishTimer();
      const published = outcome.published.map((row) => row.id);
      this.failPoint?.afterPublish(published);
      const marked = await lease.write(() => this.store.markPublished(published, relayId));
      this.countPublished(published.length, marked, outcome.duplicates);
      let brokerAway = false;
      for (const { row, reason } of outcome.failures) brokerAway = (await this.settleFailure(lease, row, reason)) || brokerAway;
      if (brokerAway) throw new BrokerUnavailableError();
      return rows.length;
    } finally {
      await lease.end();
    }
  }

  private countPublished(published: number, marked: number, duplicates: number): void {
    if (marked < published) {
      this.logger.warn(`${published - marked} published rows were taken over by another relay (a stall past the lease); the broker drops the repeat`);
    }
    this.stats.published += marked;
    this.stats.duplicates += duplicates;
    relayEvents.inc({ module: this.options.module, result: 'published' }, published - duplicates);
    if (duplicates > 0) relayEvents.inc({ module: this.options.module, result: 'duplicate' }, duplicates);
  }

  /** Releases or parks a row that failed; true when the broker is away (the loop backs off). */
  private async settleFailure(lease: BatchLease, row: ClaimedRow, reason: unknown): Promise<boolean> {
    const { module, relayId, maxAttempts } = this.options;
    this.stats.failures++;
    relayEvents.inc({ module, result: reason instanceof RetryLaterError ? 'retry' : 'failed' });
    const error = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    if (!(reason instanceof RetryLaterError)) this.logger.warn(`publishing ${row.envelope.type} ${row.id} failed: ${error}`);
    const decision = decideOnFailure(reason, row.attempts, { isTransient: (e) => this.publisher.isTransient(e), maxAttempts });
    if (decision.action === 'park') {
      this.logger.error(`parking event ${row.id} (${row.envelope.type}) after ${row.attempts + 1} attempts: ${error}`);
      await lease.write(() => this.store.park(row.id, relayId, error));
      this.stats.parked++;
      relayEvents.inc({ module, result: 'parked' });
      return false;
    }
    await lease.write(() => this.store.release(row.id, relayId, error, decision.delayMs, decision.counted));
    return decision.brokerAway;
  }
}
