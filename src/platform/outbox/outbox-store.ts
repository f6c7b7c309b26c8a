import { DataSource } from 'typeorm';
import { sql } from '../database/sql';

/**
 * The relay's housekeeping SQL over one module's outbox (backlog, pruning); each statement is its
 * own short transaction. Claiming and settling batches is OutboxClaims' and LockedBatch's.
 */
export class OutboxStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /** Unpublished rows, counted up to `cap`: on the partial index, so a huge backlog costs no more than the cap. */
  async countUnpublished(cap: number): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM "${this.schema}".outbox WHERE published_at IS NULL LIMIT $1) backlog`,
      [cap],
    );
    return row.n;
  }

  /** When the oldest unpublished row was written (null: none waits); the first row of the partial index on seq. */
  async oldestUnpublishedAt(): Promise<Date | null> {
    const [row] = await this.dataSource.query(
      `SELECT created_at FROM "${this.schema}".outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1`,
    );
    return row ? new Date(row.created_at) : null;
  }

  /**
   * Inbox entries only matter while a redelivery can still come: JetStream keeps messages 7 days,
   * so the default inbox retention (14 days) outlives any redelivery.
   */
  async pruneInbox(olderThanMs: number): Promise<number> {
    const { affected } = await sql.exec(
      this.dataSource.manager,
      `DELETE FROM "${this.schema}".inbox WHERE processed_at < now() - $1::bigint * interval '1 millisecond'`,
      [olderThanMs],
    );
    // Failure counts of deliveries that can no longer come back go with them.
    await sql.exec(
      this.dataSource.manager,
      `DELETE FROM "${this.schema}".delivery_failure WHERE updated_at < now() - $1::bigint * interval '1 millisecond'`,
      [olderThanMs],
    );
    return affected;
  }

  /** Published rows are history: drop those older than the retention. */
  async prunePublished(olderThanMs: number): Promise<number> {
    const { affected } = await sql.exec(
      this.dataSource.manager,
      `DELETE FROM "${this.schema}".outbox
       WHERE published_at IS NOT NULL AND published_at < now() - $1::bigint * interval '1 millisecond'`,
      [olderThanMs],
    );
    return affected;
  }
}
