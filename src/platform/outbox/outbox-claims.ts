import { Logger } from '@nestjs/common';
import { Pool, PoolClient, QueryResult } from 'pg';
import { POOL_RESERVE } from '../messaging/consumer-slots';
import { ClaimedRow, LockedBatch } from './locked-batch';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Claims batches: the oldest unpublished event of each aggregate that has no older unpublished
 * one, locked `FOR UPDATE SKIP LOCKED` in a transaction left open for the batch. Nothing is
 * written at claim time; the locks are the claim, and they fence: another relay skips these
 * rows, and (the NOT EXISTS) every later event of their aggregates, until this batch commits.
 */
export class OutboxClaims {
  private readonly claimSql: string;
  private readonly beginSql: string;
  private readonly dueSql: string;
  /** The last claim found nothing: the next poll looks first, outside a transaction (`worthClaiming`). */
  private idle = false;
  private readonly orderSql = 'ORDER BY o.seq LIMIT';

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    /** False: batches delete their published rows instead of marking them (LockedBatch.commit). */
    private readonly keepPublished = true,
  ) {
    const t = `"${schema}".outbox`;
    // One round trip. The idle timeout is the lease of this design: Postgres ends the session of
    // a relay whose host vanished (no FIN, so it would not notice for hours) after it, and the
    // locks go; a process that dies is noticed at once (its socket closes). The pid in the name
    // tells an operator (and the takeover suite) which process holds a batch's locks.
    //
    // synchronous_commit = off: the batch's commit does not wait for its WAL to reach the disk.
    // A Postgres crash can lose the last marks, releases and parks, and every such loss only makes
    // a row be published again: the broker drops the repeat by its id (the inboxes past the
    // dedup window). Never a lost event; the commit wait is gone.
    this.beginSql = `BEGIN;
      SET LOCAL idle_in_transaction_session_timeout = ${Math.trunc(leaseMs)};
      SET LOCAL synchronous_commit = off;
      SET LOCAL application_name = 'shop:${schema}:relay:${process.pid}'`;
    // Whether any row may be claimable (locked, held back or not: the claim decides), without locking.
    // Ordered by seq, as the claim is, so it reads the unpublished rows' index: unordered, statistics
    // taken during a backlog made it a Seq Scan of the whole history every idle poll (idle-look-attacks).
    this.dueSql = `SELECT 1 FROM ${t} WHERE published_at IS NULL AND available_at <= now() ORDER BY seq LIMIT 1`;
    // The envelope is read as text and published as stored: no JSON parse and stringify per row.
    this.claimSql = `
      SELECT o.id, o.ctid::text AS ctid, o.type, o.attempts, o.envelope::text AS body, o.envelope->>'traceparent' AS traceparent
      FROM ${t} o
      WHERE o.published_at IS NULL
        AND o.available_at <= now()
        AND NOT EXISTS (
          SELECT 1 FROM ${t} older
          WHERE older.published_at IS NULL
            AND older.aggregate_type = o.aggregate_type
            AND older.aggregate_id = o.aggregate_id
            AND older.aggregate_version < o.aggregate_version)`;
  }

  /**
   * Whether a claim may find something. After an empty claim, it looks without a transaction: an
   * idle relay's poll is then one round trip, where an empty claim is two (the claim, then the
   * COMMIT of its transaction). Locked or held-back rows count: the claim decides.
   */
  async worthClaiming(): Promise<boolean> {
    return !this.idle || (await this.pool.query(this.dueSql)).rows.length > 0;
  }

  /** A locked batch of at most `limit` rows, or undefined when nothing is claimable now. */
  async claim(limit: number): Promise<LockedBatch | undefined> {
    const batch = await this.claimLocked(limit);
    this.idle = batch === undefined;
    return batch;
  }

  /** Rows were just committed (a wake that promises some): the next poll need not look first (`worthClaiming`). */
  expectRows(): void {
    this.idle = false;
  }

  private async claimLocked(limit: number): Promise<LockedBatch | undefined> {
    const client = await this.pool.connect();
    // A session ended while no statement runs surfaces as an 'error' event: unheard, it would end the process.
    const onError = (error: Error) => this.logger.warn(`a relay session ended: ${error.message}`);
    client.on('error', onError);
    try {
      // One round trip, as a simple query; so never a named statement either, whose cached generic
      // plan, made while the outbox was empty, can scan a later backlog once per row (seconds).
      const results = (await client.query(`${this.beginSql}; ${this.claimSql} ${this.orderSql} ${Math.trunc(limit)} FOR UPDATE OF o SKIP LOCKED`)) as unknown as QueryResult<ClaimedRow>[];
      return await this.batchOf(client, results, onError);
    } catch (error) {
      client.off('error', onError);
      client.release(error as Error);
      throw error;
    }
  }

  /**
   * The claim of rows just committed by this process (their ids), to send right after their
   * COMMIT on the same connection (ConnectionHandOff): the same claim, fences and ordering rule,
   * and the same bound as any batch (`limit`): a transaction that appended thousands of rows
   * would otherwise publish them as one batch, every PubAck in flight at once. The rest wait for
   * the relay's drain, as rows held back do.
   */
  claimOfSql(ids: readonly string[], limit: number): string {
    const first = ids.slice(0, Math.max(1, Math.trunc(limit)));
    if (!first.every((id) => UUID.test(id))) throw new Error('an outbox row id that is not a uuid');
    return `${this.beginSql}; ${this.claimSql} AND o.id = ANY('{${first.join(',')}}'::uuid[]) ${this.orderSql} ${first.length} FOR UPDATE OF o SKIP LOCKED`;
  }

  /**
   * Whether a producer's connection, checked out now, may stay with a batch while it publishes:
   * only while nobody waits for a connection and the pool still has its reserve to give (the
   * relay's own claim, a request). Otherwise, with the in-process transport, the batches hold the
   * connections their own consumers need, and those (and requests) wait out the pool's timeout.
   */
  mayKeepConnection(): boolean {
    const { max = 10 } = this.pool.options;
    return this.pool.waitingCount === 0 && max - (this.pool.totalCount - this.pool.idleCount) >= POOL_RESERVE;
  }

  /** The batch a connection holds after `claimOfSql` ran on it (undefined: nothing claimable, the connection is back in the pool). */
  async adopt(client: PoolClient, results: QueryResult[]): Promise<LockedBatch | undefined> {
    const onError = (error: Error) => this.logger.warn(`a relay session ended: ${error.message}`);
    client.on('error', onError);
    try {
      return await this.batchOf(client, results as QueryResult<ClaimedRow>[], onError);
    } catch (error) {
      client.off('error', onError);
      client.release(error as Error);
      throw error;
    }
  }

  private async batchOf(client: PoolClient, results: QueryResult<ClaimedRow>[], onError: (error: Error) => void): Promise<LockedBatch | undefined> {
    const { rows } = results[results.length - 1];
    if (rows.length > 0) return new LockedBatch(rows, client, this.schema, this.leaseMs, this.logger, () => client.off('error', onError), this.keepPublished);
    await client.query('COMMIT');
    client.off('error', onError);
    client.release();
    return undefined;
  }
}
