import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { EventEnvelope } from '../../contracts/event-envelope';
import { sql } from '../database/sql';

export interface ClaimedRow {
  id: string;
  envelope: EventEnvelope;
  attempts: number;
}

/** The relay's SQL over one module's outbox. Every statement is its own short transaction. */
export class OutboxStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /**
   * Claims the oldest unpublished event of each aggregate that has no older unpublished one,
   * under a lease; SKIP LOCKED lets several relays claim side by side without waiting.
   */
  async claim(limit: number, leaseMs: number, relayId: string): Promise<ClaimedRow[]> {
    const t = `"${this.schema}".outbox`;
    const { rows } = await sql.exec<ClaimedRow>(
      this.dataSource.manager,
      `WITH next AS (
         SELECT o.id FROM ${t} o
         WHERE o.published_at IS NULL
           AND o.available_at <= now()
           AND (o.locked_until IS NULL OR o.locked_until < now())
           AND NOT EXISTS (
             SELECT 1 FROM ${t} older
             WHERE older.published_at IS NULL
               AND older.aggregate_type = o.aggregate_type
               AND older.aggregate_id = o.aggregate_id
               AND older.aggregate_version < o.aggregate_version)
         ORDER BY o.seq
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
       UPDATE ${t} o SET locked_until = now() + $2::int * interval '1 millisecond', locked_by = $3
       FROM next WHERE o.id = next.id
       RETURNING o.id, o.envelope, o.attempts`,
      [limit, leaseMs, relayId],
    );
    return rows;
  }

  /**
   * Extends the lease of a batch still in flight. Only rows this relay still holds: not marked,
   * not released (a released row has no lease), not claimed since by another relay.
   */
  async renewLeases(ids: readonly string[], relayId: string, leaseMs: number): Promise<number> {
    const { affected } = await sql.exec(
      this.dataSource.manager,
      `UPDATE "${this.schema}".outbox SET locked_until = now() + $3::int * interval '1 millisecond'
       WHERE id = ANY($1::uuid[]) AND locked_by = $2 AND published_at IS NULL AND locked_until IS NOT NULL`,
      [ids, relayId, leaseMs],
    );
    return affected;
  }

  /** How long until the first live lease runs out: when an idle relay should look again. */
  async msUntilFirstLeaseExpires(): Promise<number | undefined> {
    const [row]: { ms: number | null }[] = await this.dataSource.query(
      `SELECT ceil(extract(epoch FROM min(locked_until) - now()) * 1000)::int AS ms
       FROM "${this.schema}".outbox WHERE published_at IS NULL AND locked_until > now()`,
    );
    return row?.ms ?? undefined;
  }

  /** Fenced by the claim: rows another relay took over (this one stalled past its lease) stay theirs. */
  async markPublished(ids: readonly string[], relayId: string): Promise<number> {
    if (ids.length === 0) return 0;
    const { affected } = await sql.exec(
      this.dataSource.manager,
      `UPDATE "${this.schema}".outbox SET published_at = now(), locked_until = NULL, last_error = NULL
       WHERE id = ANY($1::uuid[]) AND locked_by = $2 AND published_at IS NULL`,
      [ids, relayId],
    );
    return affected;
  }

  /** Gives a row back for a later try; `counted` failures move it toward the dead-letter table. */
  async release(id: string, relayId: string, error: string, delayMs: number, counted: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE "${this.schema}".outbox
       SET locked_until = NULL, last_error = $2, attempts = attempts + $3,
           available_at = now() + $4::int * interval '1 millisecond'
       WHERE id = $1 AND locked_by = $5 AND published_at IS NULL`,
      [id, error.slice(0, 2000), counted ? 1 : 0, delayMs, relayId],
    );
  }

  /** Moves a row that cannot be published to the dead-letter table, so its aggregate's later events flow. */
  async park(id: string, relayId: string, error: string): Promise<void> {
    const t = `"${this.schema}"`;
    // Fenced by the lease: a relay that stalled past it must not park a row another relay now holds.
    await this.dataSource.query(
      `WITH moved AS (
         DELETE FROM ${t}.outbox WHERE id = $1 AND locked_by = $4 AND locked_until > now() AND published_at IS NULL RETURNING *)
       INSERT INTO ${t}.dead_letter (id, source, event_id, type, envelope, error, attempts)
       SELECT $2, 'outbox', moved.id::text, moved.type, moved.envelope, $3, moved.attempts + 1 FROM moved`,
      [id, uuidv7(), error.slice(0, 2000), relayId],
    );
  }

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
