import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { sql } from '../database/sql';

export interface DeadLetter {
  id: string;
  source: 'outbox' | 'inbox';
  consumer: string | null;
  eventId: string | null;
  type: string | null;
  envelope: unknown;
  raw: string | null;
  error: string;
  attempts: number;
  createdAt: Date;
  retriedAt: Date | null;
}

export interface DeadLetterFilter {
  type?: string;
  since?: Date;
}

export interface ParkedDelivery {
  consumer: string;
  eventId?: string;
  type?: string;
  envelope?: unknown;
  raw?: string;
  error: string;
  attempts: number;
}

/** A module's parked events: inspectable, and retryable once the cause is fixed. */
export class DeadLetters {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  async parkDelivery(d: ParkedDelivery): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "${this.schema}".dead_letter (id, source, consumer, event_id, type, envelope, raw, error, attempts)
       VALUES ($1, 'inbox', $2, $3, $4, $5::jsonb, $6, $7, $8)`,
      [
        uuidv7(),
        d.consumer,
        d.eventId ?? null,
        d.type ?? null,
        d.envelope === undefined ? null : JSON.stringify(d.envelope),
        d.envelope === undefined ? (d.raw ?? null) : null,
        d.error.slice(0, 4000),
        d.attempts,
      ],
    );
  }

  /** Counts one more failure of the handler itself for this delivery; returns the count so far. */
  async recordFailure(consumer: string, eventId: string, error: string): Promise<number> {
    const [row] = await this.dataSource.query(
      `INSERT INTO "${this.schema}".delivery_failure (consumer, event_id, failures, last_error) VALUES ($1, $2, 1, $3)
       ON CONFLICT (consumer, event_id) DO UPDATE
         SET failures = delivery_failure.failures + 1, last_error = EXCLUDED.last_error, updated_at = now()
       RETURNING failures`,
      [consumer, eventId, error.slice(0, 2000)],
    );
    return row.failures;
  }

  /** The parked events not retried yet, oldest first; optionally of one type, parked since a moment. */
  async list(limit = 100, filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    return this.dataSource.query(
      `${this.select()} WHERE retried_at IS NULL AND ($2::text IS NULL OR type = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)
       ORDER BY created_at LIMIT $1`,
      [limit, filter.type ?? null, filter.since ?? null],
    );
  }

  /** The events whose delivery to `consumer` is parked and not retried yet (a replay leaves them to `retry`). */
  async openEventIds(consumer: string): Promise<Set<string>> {
    const rows: { eventId: string }[] = await this.dataSource.query(
      `SELECT DISTINCT event_id AS "eventId" FROM "${this.schema}".dead_letter WHERE retried_at IS NULL AND consumer = $1 AND event_id IS NOT NULL`,
      [consumer],
    );
    return new Set(rows.map((r) => r.eventId));
  }

  /** Open dead letters, counted up to `cap` on the partial index (the gauge, `outbox status`, the /flow page). */
  async countOpen(cap: number): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM "${this.schema}".dead_letter WHERE retried_at IS NULL LIMIT $1) open`,
      [cap],
    );
    return row.n;
  }

  /** Open dead letters by source: outbox rows the relay parked, deliveries the consumers parked. */
  async openCounts(): Promise<Record<DeadLetter['source'], number>> {
    const rows: { source: DeadLetter['source']; n: number }[] = await this.dataSource.query(
      `SELECT source, count(*)::int AS n FROM "${this.schema}".dead_letter WHERE retried_at IS NULL GROUP BY source`,
    );
    return { outbox: 0, inbox: 0, ...Object.fromEntries(rows.map((r) => [r.source, r.n])) };
  }

  /** An operator gives up on an open dead letter: the row goes; returns it, or null if there was none open. */
  async discard(id: string): Promise<DeadLetter | null> {
    const letter = await this.find(id);
    if (!letter || letter.retriedAt) return null;
    const { affected } = await sql.exec(this.dataSource.manager, `DELETE FROM "${this.schema}".dead_letter WHERE id = $1 AND retried_at IS NULL`, [id]);
    return affected > 0 ? letter : null;
  }

  async find(id: string): Promise<DeadLetter | null> {
    const rows = await this.dataSource.query(`${this.select()} WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  private select(): string {
    return `SELECT id, source, consumer, event_id AS "eventId", type, envelope, raw, error, attempts,
              created_at AS "createdAt", retried_at AS "retriedAt"
       FROM "${this.schema}".dead_letter`;
  }

  /**
   * Retries a parked outbox row by putting it back in the outbox (the relay publishes it again;
   * consumers' inboxes absorb any duplicate). Parked deliveries are retried through the
   * dispatcher (DeadLettersController).
   */
  async requeueOutbox(id: string): Promise<boolean> {
    const t = `"${this.schema}"`;
    const result = await this.dataSource.query(
      `WITH row AS (
         UPDATE ${t}.dead_letter SET retried_at = now()
         WHERE id = $1 AND source = 'outbox' AND retried_at IS NULL RETURNING envelope)
       INSERT INTO ${t}.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope)
       SELECT (envelope->>'id')::uuid, envelope->>'type', envelope->>'aggregateType', envelope->>'aggregateId',
              (envelope->>'aggregateVersion')::int, envelope FROM row
       RETURNING id`,
      [id],
    );
    return result.length === 1;
  }

  /**
   * Runs `work` on an open letter while holding it: a second retry of the same letter meanwhile
   * (another operator, the HTTP endpoint) finds none open instead of running it twice; the letter
   * is closed only when `work` says so, and stays open if the process dies half way. Null when no
   * open letter has this id (or another retry holds it). One at a time per module and process: the
   * claim holds a pooled connection while the work takes another, so a script retrying fifty
   * letters at once must not hold the whole pool and starve the consumers (or itself).
   */
  whileClaimed<T>(id: string, work: () => Promise<{ result: T; close: boolean }>): Promise<T | null> {
    const run = this.claims.then(() => this.claimAndRun(id, work));
    this.claims = run.catch(() => undefined);
    return run;
  }

  private claims: Promise<unknown> = Promise.resolve();

  private async claimAndRun<T>(id: string, work: () => Promise<{ result: T; close: boolean }>): Promise<T | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const held = await runner.query(`SELECT 1 FROM "${this.schema}".dead_letter WHERE id = $1 AND retried_at IS NULL FOR UPDATE SKIP LOCKED`, [id]);
      if (held.length === 0) {
        await runner.rollbackTransaction();
        return null;
      }
      const { result, close } = await work();
      if (close) await runner.query(`UPDATE "${this.schema}".dead_letter SET retried_at = now() WHERE id = $1`, [id]);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  async markRetried(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE "${this.schema}".dead_letter SET retried_at = now() WHERE id = $1`, [id]);
  }
}
