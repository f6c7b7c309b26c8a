import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { EventPublisher, PublishOutcome } from '../messaging/event-publisher';
import { relayEvents } from '../observability/messaging-metrics';
import { relayPublishSeconds } from '../observability/operations-metrics';
import { LockedBatch } from './locked-batch';
import { OutboxClaims } from './outbox-claims';
import { publishBatch } from './publish-batch';
import { decide } from './relay-decision';

export interface RoundOptions {
  module: string;
  batchSize: number;
  maxAttempts: number;
}

/** Test builds only: lets a suite make the relay "die" between the PubAck and the mark. */
export abstract class RelayFailPoint {
  abstract afterPublish(ids: readonly string[]): void;
}

export interface RelayStats {
  claimed: number;
  /** Of those, claimed in a local commit's round trip (OutboxRelay.handOff). */
  claimedAtCommit: number;
  published: number;
  duplicates: number;
  failures: number;
  parked: number;
  /** Time spent in each phase, summed over batches (they overlap when two are in flight). */
  claimMs: number;
  publishMs: number;
  markMs: number;
}

export class BrokerUnavailableError extends Error {
  constructor() {
    super('broker unavailable');
  }
}

export interface RoundResult {
  claimed: number;
  /** The batch, claimed and publishing; settles when it is committed (or given up). */
  settled: Promise<void>;
}

/**
 * One relay round: claim a locked batch, publish it with every PubAck in flight, then decide
 * per row (relay-decision.ts) and write the decisions in the batch's own transaction: mark,
 * release or park, and commit. A relay that lost its session meanwhile (it stalled past the
 * lease) commits nothing: another relay has the rows, and the broker drops the repeat.
 */
export class RelayRound {
  readonly stats: RelayStats = { claimed: 0, claimedAtCommit: 0, published: 0, duplicates: 0, failures: 0, parked: 0, claimMs: 0, publishMs: 0, markMs: 0 };
  /** The shortest delay a row was given back with since the relay last asked (Infinity: none). */
  private soonestRetryMs = Infinity;

  constructor(
    private readonly claims: OutboxClaims,
    private readonly publisher: EventPublisher,
    private readonly options: RoundOptions,
    private readonly logger: Logger,
    private readonly failPoint?: RelayFailPoint,
  ) {}

  /** Claims a batch and starts publishing it; `settled` throws BrokerUnavailableError when the broker is away. */
  async start(): Promise<RoundResult> {
    const started = performance.now();
    const batch = await this.claims.claim(this.options.batchSize);
    this.stats.claimMs += performance.now() - started;
    if (!batch) return { claimed: 0, settled: Promise.resolve() };
    this.stats.claimed += batch.rows.length;
    return { claimed: batch.rows.length, settled: this.settle(batch) };
  }

  /** Publishes and settles a batch claimed elsewhere (in a producer's commit round trip). */
  settleAdopted(batch: LockedBatch): Promise<void> {
    this.stats.claimed += batch.rows.length;
    this.stats.claimedAtCommit += batch.rows.length;
    return this.settle(batch);
  }

  private async settle(batch: LockedBatch): Promise<void> {
    let committed = false;
    try {
      if (batch.mayBeLost) {
        this.logger.warn('skipping a batch whose session went unconfirmed for a lease: another relay may have it');
        return;
      }
      const publishing = performance.now();
      const outcomes = await publishBatch(this.publisher, batch.rows);
      const marking = performance.now();
      this.stats.publishMs += marking - publishing;
      relayPublishSeconds.observe({ module: this.options.module }, (marking - publishing) / 1000);
      const written = await this.write(batch, outcomes);
      this.failPoint?.afterPublish(written.published);
      const marked = await batch.commit(written.published);
      committed = true;
      if (marked < written.published.length) this.logger.warn(`${written.published.length - marked} rows were no longer in the outbox to mark`);
      this.stats.markMs += performance.now() - marking;
      this.count(outcomes, written.parked);
      if (written.backOff) throw new BrokerUnavailableError();
    } finally {
      if (!committed) await batch.abandon();
    }
  }

  /** Writes each row's decision into the batch (releases, parks); returns the rows to mark published. */
  private async write(batch: LockedBatch, outcomes: PublishOutcome[]): Promise<{ published: string[]; parked: number; backOff: boolean }> {
    const published: string[] = [];
    let parked = 0;
    let backOff = false;
    for (const [i, outcome] of outcomes.entries()) {
      const row = batch.rows[i];
      const decision = decide(outcome, row.attempts, this.options.maxAttempts);
      if (decision.action === 'mark') {
        published.push(row.id);
        continue;
      }
      const error = 'error' in outcome ? outcome.error : outcome.kind;
      if (decision.action === 'park') {
        this.logger.error(`parking event ${row.id} (${row.type}) after ${row.attempts + 1} attempts: ${error}`);
        await batch.park(row.id, error);
        parked++;
        continue;
      }
      if (outcome.kind !== 'retry-later') this.logger.warn(`publishing ${row.type} ${row.id} failed: ${error}`);
      await batch.release(row.id, error, decision.delayMs, decision.counted);
      this.soonestRetryMs = Math.min(this.soonestRetryMs, decision.delayMs);
      backOff ||= decision.backOff;
    }
    return { published, parked, backOff };
  }

  /** A row was given back for later since the relay last asked (takeSoonestRetry). */
  get retryPending(): boolean {
    return this.soonestRetryMs !== Infinity;
  }

  /** When the soonest row given back since the last call comes due (ms from its release; Infinity: none), and forgets it. */
  takeSoonestRetry(): number {
    const ms = this.soonestRetryMs;
    this.soonestRetryMs = Infinity;
    return ms;
  }

  /** Counts a committed batch. */
  private count(outcomes: PublishOutcome[], parked: number): void {
    const { module } = this.options;
    let acked = 0;
    let duplicates = 0;
    for (const outcome of outcomes) {
      if (outcome.kind === 'ack') acked++;
      else if (outcome.kind === 'duplicate') duplicates++;
      else {
        this.stats.failures++;
        relayEvents.inc({ module, result: outcome.kind === 'retry-later' ? 'retry' : 'failed' });
      }
    }
    this.stats.published += acked + duplicates;
    this.stats.duplicates += duplicates;
    this.stats.parked += parked;
    relayEvents.inc({ module, result: 'published' }, acked);
    if (duplicates > 0) relayEvents.inc({ module, result: 'duplicate' }, duplicates);
    if (parked > 0) relayEvents.inc({ module, result: 'parked' }, parked);
  }
}
