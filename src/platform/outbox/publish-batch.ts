import { EventPublisher } from '../messaging/event-publisher';
import { ClaimedRow } from './outbox-store';

export interface BatchOutcome {
  /** Rows the broker acknowledged, first time or as a duplicate it already had. */
  published: ClaimedRow[];
  duplicates: number;
  failures: { row: ClaimedRow; reason: unknown }[];
}

/** Publishes a whole batch with every PubAck in flight at once; a failed row never fails the others. */
export async function publishBatch(publisher: EventPublisher, rows: readonly ClaimedRow[]): Promise<BatchOutcome> {
  const results = await Promise.allSettled(rows.map((row) => publisher.publish(row.envelope)));
  const outcome: BatchOutcome = { published: [], duplicates: 0, failures: [] };
  for (const [i, result] of results.entries()) {
    if (result.status === 'rejected') {
      outcome.failures.push({ row: rows[i], reason: result.reason });
      continue;
    }
    outcome.published.push(rows[i]);
    if (result.value.duplicate) outcome.duplicates++;
  }
  return outcome;
}
