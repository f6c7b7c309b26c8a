import { Logger } from '@nestjs/common';
import { PoolClient, QueryResult } from 'pg';
import { backoffMs } from '../backoff';
import { ConnectionHandOff } from '../database/connection-hand-off';
import { EventPublisher } from '../messaging/event-publisher';
import { OutboxBacklog } from './outbox-backlog';
import { OutboxClaims } from './outbox-claims';
import { OutboxStore } from './outbox-store';
import { OutboxPruner, Retention } from './outbox-pruner';
import { RelayFailPoint, RelayRound, RelayStats, RoundOptions, RoundResult } from './relay-round';

export interface RelayOptions extends RoundOptions {
  relayId: string;
  retention?: Retention;
  pollMinMs: number;
  pollMaxMs: number;
}

const BROKER_BACKOFF = { baseMs: 100, maxMs: 5_000 };
/**
 * Batches in flight at once: the next claim runs while the last batch's PubAcks come, so the
 * Node thread never waits on Postgres alone. Each holds one of the module's connections while
 * in flight; two cover the claim, more only take connections from requests and consumers.
 */
export const PIPELINE_DEPTH = 2;
/**
 * Batches claimed in a local commit's round trip (handOff) in flight at once: each holds the
 * connection its producer committed on, and is a batch of one commit's rows (one mark each). Past
 * this, or while the relay drains, a commit wakes the relay, whose batches grow with the load.
 */
export const HANDED_OFF_MAX = 1;

/**
 * Publishes one module's outbox, round after round (RelayRound), two batches in flight. Woken in
 * memory after local commits; polls adaptively for the rest: fast while there is work, slower
 * when idle. A dead relay's batch is free once Postgres ends its session (at once for a dead
 * process, a lease later for a vanished host), and is taken at the next poll.
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private readonly round: RelayRound;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakePending = false;
  /** Rows local commits appended since the last drain began: each came with a wake. */
  private promised = 0;
  private wakeUp: (() => void) | undefined;
  private brokerFailures = 0;
  private stopping?: Promise<void>;
  /** While stopping, the final flush drains until then. */
  private flushUntil = 0;
  private readonly pruner?: OutboxPruner;
  private readonly backlog: OutboxBacklog;
  /** Hand-offs whose claim is on its way or whose batch is in flight (HANDED_OFF_MAX). */
  private handedOff = 0;
  private readonly adopted = new Set<Promise<void>>();
  /** A drain is claiming: rows committed meanwhile go in its next batch, not a batch of their own. */
  private draining = false;

  constructor(
    store: OutboxStore,
    private readonly claims: OutboxClaims,
    publisher: EventPublisher,
    private readonly options: RelayOptions,
    failPoint?: RelayFailPoint,
  ) {
    this.logger = new Logger(`OutboxRelay:${options.relayId}`);
    this.round = new RelayRound(claims, publisher, options, this.logger, failPoint);
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
   * Finishes the batches in flight (publish, await PubAcks, mark), publishes what is left for a
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
    while (this.adopted.size > 0) await Promise.all([...this.adopted]);
    this.flushUntil = Date.now() + flushMs;
    try {
      while (Date.now() < this.flushUntil && (await this.drainOnce()) > 0);
    } catch (error) {
      this.logger.warn(`final flush stopped: ${describe(error)}; the rows wait for the next relay`);
    }
  }

  /** After a local commit that appended `rows` rows (or to look at once, with none promised). */
  wake(rows = 0): void {
    this.promised += rows;
    if (rows > 0) this.claims.expectRows();
    this.wakePending = true;
    this.wakeUp?.();
  }

  /**
   * The claim of rows a local commit appended (`ids`, read when the commit is sent), to run in
   * the commit's own round trip; the batch it claims is then published like any other. Only while
   * the relay is idle (no drain, fewer than HANDED_OFF_MAX such batches in flight) and the pool has
   * connections to spare (OutboxClaims.mayKeepConnection): under load a drain's batches of many
   * rows cost fewer round trips per row than one batch per commit, so the commit wakes the relay
   * instead, as when stopping.
   */
  handOff(ids: readonly string[]): ConnectionHandOff {
    let reserved = false;
    const unreserve = () => {
      if (reserved) this.handedOff--;
      reserved = false;
    };
    return {
      statements: () => {
        if (!this.running || this.draining || this.handedOff >= HANDED_OFF_MAX || ids.length === 0 || !this.claims.mayKeepConnection()) return undefined;
        this.handedOff++;
        reserved = true;
        return this.claims.claimOfSql(ids, this.options.batchSize);
      },
      take: (client, results) => {
        const work = this.adopt(client, results, ids.length).finally(unreserve);
        this.adopted.add(work);
        void work.finally(() => this.adopted.delete(work));
      },
      declined: unreserve,
    };
  }

  private async adopt(client: PoolClient, results: QueryResult[], rows: number): Promise<void> {
    try {
      const batch = await this.claims.adopt(client, results);
      // Held back (an older event of an aggregate still unpublished), or taken by another relay: the drain takes them in order.
      if (!batch) return this.wake(rows);
      await this.round.settleAdopted(batch);
      // Rows of the same commit held back behind the batch (later versions of its aggregates), or
      // past its size, are claimable now: without a wake they waited for the poll, up to RELAY_POLL_MAX_MS.
      if (batch.rows.length < rows) this.wake(rows - batch.rows.length);
      // A row given back for later (a refused publish): the loop, asleep until its next poll (up to
      // RELAY_POLL_MAX_MS), is told now, so it looks when the row comes due.
      else if (this.round.retryPending) this.wake();
    } catch (error) {
      // Given back (broker away, a refusal): the relay's loop backs off and looks at them when due.
      this.logger.warn(`a batch claimed at commit failed (${describe(error)}); the relay retries it`);
      this.wake();
    }
  }

  get stats(): RelayStats {
    return this.round.stats;
  }

  /**
   * Claims and publishes until a claim comes back short of a full batch, keeping PIPELINE_DEPTH
   * batches in flight; returns how many rows it claimed. Throws once every batch in flight has
   * settled if any failed (BrokerUnavailableError when the broker is away).
   */
  async drainOnce(): Promise<number> {
    // The look of an idle relay is no drain: a commit meanwhile still claims its rows at commit.
    if (!(await this.claims.worthClaiming())) return 0;
    this.draining = true;
    try {
      return await this.drain();
    } finally {
      this.draining = false;
    }
  }

  private async drain(): Promise<number> {
    const inFlight: Promise<void>[] = [];
    const failures: unknown[] = [];
    const track = (round: RoundResult) => inFlight.push(round.settled.catch((error: unknown) => void failures.push(error)));
    let claimed = 0;
    try {
      while (failures.length === 0 && (this.running || Date.now() < this.flushUntil)) {
        const round = await this.round.start();
        claimed += round.claimed;
        track(round);
        if (round.claimed < this.options.batchSize) break;
        if (inFlight.length >= PIPELINE_DEPTH) await inFlight.shift();
      }
    } finally {
      await Promise.all(inFlight);
    }
    if (failures.length > 0) throw failures[0];
    return claimed;
  }

  private async loop(): Promise<void> {
    let idleMs = this.options.pollMinMs;
    while (this.running) {
      let claimed = 0;
      const promised = this.promised;
      this.promised = 0;
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
      // Before the chain below, which under steady load (commits of several versions of an
      // aggregate landing during each drain) can go on for as long as the load lasts: the history
      // (published rows, inbox entries) was never pruned meanwhile. A check of the clock unless due.
      await this.pruner?.pruneWhenDue();
      // Some of the promised rows, not all: the rest may have been held back behind rows this drain
      // just published (later versions of their aggregates, appended in one transaction), and are
      // claimable now. Go again at once, still expecting them: waiting for the poll cost each such
      // version RELAY_POLL_MIN_MS. A claim of none ends it (held behind another relay's batch).
      if (claimed > 0 && claimed < promised && this.running) {
        this.promised += promised - claimed;
        this.claims.expectRows();
        continue;
      }
      // Rows that local commits promised come with their own wake, so claiming just those says
      // nothing about the rest of the table: the poll keeps backing off (a fast poll after each
      // local commit was most of the relay's claims, and all of them empty). More than promised
      // means rows from elsewhere (another process, a retry come due, a dead relay's batch); fewer,
      // rows held back (a later event of an aggregate whose earlier one was in this drain, or
      // another relay's): poll fast while either lasts.
      idleMs = claimed !== promised ? this.options.pollMinMs : Math.min(idleMs * 2, this.options.pollMaxMs);
      // A row given back for later (a consumer's "not yet" in-process, a refused publish) is looked
      // at when it comes due, whatever the poll's pace.
      await this.idle(Math.max(1, Math.min(idleMs, this.round.takeSoonestRetry())), true);
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
