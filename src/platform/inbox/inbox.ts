import { Sql, sql } from '../database/sql';
import { inlineParams } from '../database/inline-params';
import { SqlTransaction } from '../database/sql-transaction';
import { EventEnvelope } from '../../contracts/event-envelope';

/** Remembers (consumer, event id) inside the handler's transaction: a redelivery becomes a no-op. */
export class Inbox {
  constructor(private readonly schema: string) {}

  /** False when this consumer has already committed this event. */
  async record(manager: Sql, consumer: string, event: EventEnvelope): Promise<boolean> {
    const rows = await sql.rows(manager, this.insert, [consumer, event.id, event.type]);
    return rows.length === 1;
  }

  /**
   * The same row, sent ahead of the transaction's first statement in its round trip (one round
   * trip less per delivery); `answer()` tells whether it was the first. The caller must not
   * commit before it has the answer, and rolls back whatever ran if it was not.
   */
  recordAhead(tx: SqlTransaction, consumer: string, event: EventEnvelope): { answer: () => Promise<boolean> } {
    const inlined = inlineParams(this.insert, [consumer, event.id, event.type]);
    if (inlined === undefined) return { answer: () => this.record(tx, consumer, event) };
    const leading = tx.lead(inlined);
    return { answer: async () => (await leading.answer()).rows.length === 1 };
  }

  private get insert(): string {
    return `INSERT INTO "${this.schema}".inbox (consumer, event_id, type) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING event_id`;
  }
}
