import { Sql, sql } from '../database/sql';
import { EventEnvelope } from '../../contracts/event-envelope';

/** Remembers (consumer, event id) inside the handler's transaction: a redelivery becomes a no-op. */
export class Inbox {
  constructor(private readonly schema: string) {}

  /** False when this consumer has already committed this event. */
  async record(manager: Sql, consumer: string, event: EventEnvelope): Promise<boolean> {
    const rows = await sql.rows(
      manager,
      `INSERT INTO "${this.schema}".inbox (consumer, event_id, type) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, event.id, event.type],
    );
    return rows.length === 1;
  }
}
