import { Sql, sql } from '../database/sql';
import { SqlTransaction } from '../database/sql-transaction';
import { EventEnvelope } from '../../contracts/event-envelope';

/** The inbox row of a delivery, sent ahead (Inbox.recordAhead). */
export interface InboxLead {
  /** Sends the row now if nothing has carried it yet; rejects with its error. */
  send: () => Promise<void>;
  /** After the unit of work failed: whether it failed because the row was there already. */
  wasRepeat: () => Promise<boolean>;
}

/** Remembers (consumer, event id) inside the handler's transaction: a redelivery becomes a no-op. */
export class Inbox {
  /** The row; as a plain INSERT a repeat fails on the primary key (recordAhead). */
  private readonly insert: string;
  /** The row, a repeat answered with no row instead (record). */
  private readonly insertOnce: string;

  constructor(private readonly schema: string) {
    this.insert = `INSERT INTO "${schema}".inbox (consumer, event_id, type) VALUES ($1, $2, $3)`;
    this.insertOnce = `${this.insert} ON CONFLICT DO NOTHING RETURNING event_id`;
  }

  /** False when this consumer has already committed this event. */
  async record(manager: Sql, consumer: string, event: EventEnvelope): Promise<boolean> {
    const rows = await sql.rows(manager, this.insertOnce, [consumer, event.id, event.type]);
    return rows.length === 1;
  }

  /**
   * The same row as a plain INSERT sent ahead of the transaction's first statement, in its round
   * trip (or the COMMIT's): one round trip less per delivery. A repeat then fails with the
   * primary key, and that error aborts everything after it, so nothing of a repeat can commit.
   * Undefined when the row cannot travel that way (the caller records it first, as `record`).
   */
  recordAhead(tx: SqlTransaction, consumer: string, event: EventEnvelope): InboxLead | undefined {
    const inlined = tx.plain(this.insert, [consumer, event.id, event.type]);
    if (inlined === undefined) return undefined;
    const leading = tx.lead(inlined);
    return {
      send: async () => void (await leading.answer()),
      wasRepeat: async () => leading.sent() && (await leading.answer().then(() => false, (error: unknown) => this.isRepeat(error))),
    };
  }

  /**
   * The row as a plain INSERT queued with the statements for the COMMIT (a group of deliveries in
   * one transaction, which sends them before its next event): a repeat fails that round trip by the
   * primary key, so nothing of the group commits. False when the row cannot travel that way.
   */
  recordAtCommit(tx: SqlTransaction, consumer: string, event: EventEnvelope): boolean {
    const inlined = tx.plain(this.insert, [consumer, event.id, event.type]);
    if (inlined === undefined) return false;
    tx.atCommit(inlined);
    return true;
  }

  /** The error of an inbox row this consumer has already committed. */
  private isRepeat(error: unknown): boolean {
    const e = error as { code?: string; schema?: string; table?: string };
    return e.code === '23505' && e.schema === this.schema && e.table === 'inbox';
  }

}
