import { Injectable } from '@nestjs/common';
import { sql } from '../../../platform/database/sql';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { ActivityEvent } from '../domain/activity-event';

export interface Delivery {
  eventId: string;
  consumer: string;
  outcome: 'processed' | 'dead-lettered';
  at: Date;
}

export interface RecordedEvent extends ActivityEvent {
  recordedAt: Date;
}

const COLUMNS = `event_id AS id, type, version, producer, aggregate_type AS "aggregateType", aggregate_id AS "aggregateId",
  correlation_id AS "correlationId", causation_id AS "causationId", occurred_at AS "occurredAt", stream,
  stream_seq::float8 AS "streamSeq", recorded_at AS "recordedAt"`;

/** The activity schema: one statement per batch, idempotent (an event or a delivery seen twice is kept once). */
@Injectable()
export class ActivityRepository {
  constructor(private readonly tx: TransactionRunner) {}

  /** Single statements, each its own transaction. */
  private get m() {
    return this.tx.dataSource.manager;
  }

  /** Returns the ids recorded now for the first time. */
  async recordEvents(events: ActivityEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const col = <K extends keyof ActivityEvent>(k: K) => events.map((e) => e[k]);
    const rows = await sql.rows<{ id: string }>(
      this.m,
      `INSERT INTO activity.event (event_id, type, version, producer, aggregate_type, aggregate_id, correlation_id,
                                   causation_id, occurred_at, stream, stream_seq)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::timestamptz[], $10::text[], $11::bigint[])
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id AS id`,
      [
        col('id'),
        col('type'),
        col('version'),
        col('producer'),
        col('aggregateType'),
        col('aggregateId'),
        col('correlationId'),
        col('causationId'),
        events.map((e) => e.occurredAt?.toISOString() ?? null),
        col('stream'),
        col('streamSeq'),
      ],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The latest outcome per (event, consumer) wins: a parked delivery an operator retried becomes processed. */
  async recordDeliveries(deliveries: Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await sql.exec(
      this.m,
      `INSERT INTO activity.delivery (event_id, consumer, outcome, at)
       SELECT DISTINCT ON (event_id, consumer) * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
         AS d(event_id, consumer, outcome, at) ORDER BY event_id, consumer, at DESC
       ON CONFLICT (event_id, consumer) DO UPDATE SET outcome = EXCLUDED.outcome, at = EXCLUDED.at
         WHERE activity.delivery.at <= EXCLUDED.at`,
      [deliveries.map((d) => d.eventId), deliveries.map((d) => d.consumer), deliveries.map((d) => d.outcome), deliveries.map((d) => d.at.toISOString())],
    );
  }

  /** Drops what happened before the horizon, a bounded batch per statement; returns the rows dropped. */
  async pruneBefore(horizonMs: number, batch = 5_000): Promise<number> {
    let dropped = 0;
    // By when it was recorded, not its occurredAt: a producer's clock far behind would have an event
    // pruned as soon as it is recorded (the stream still holding it), one without a date never.
    const older = { event: 'recorded_at', delivery: 'at' };
    for (const table of ['event', 'delivery'] as const) {
      for (;;) {
        const { affected: count } = await sql.exec(
          this.m,
          `DELETE FROM activity.${table} WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM activity.${table} WHERE ${older[table]} < now() - $1::bigint * interval '1 millisecond' LIMIT $2))`,
          [horizonMs, batch],
        );
        dropped += count;
        if (count < batch) break;
      }
    }
    return dropped;
  }

  /** Every event of one correlation (an order's saga), with what was seen of its deliveries. */
  async correlated(correlationId: string, limit = 1_000): Promise<{ events: RecordedEvent[]; deliveries: Delivery[] }> {
    const events = await sql.rows<RecordedEvent>(
      this.m,
      `SELECT ${COLUMNS} FROM activity.event WHERE correlation_id = $1 ORDER BY occurred_at, stream_seq LIMIT $2`,
      [correlationId, limit],
    );
    const deliveries: Delivery[] = events.length
      ? await sql.rows<Delivery>(
          this.m,
          `SELECT event_id AS "eventId", consumer, outcome, at FROM activity.delivery WHERE event_id = ANY($1::text[]) ORDER BY at`,
          [events.map((e) => e.id)],
        )
      : [];
    return { events, deliveries };
  }
}
