import { errorText, EventPublisher, PublishOutcome } from '../messaging/event-publisher';
import { ClaimedRow } from './locked-batch';

/** Publishes a whole batch with every PubAck in flight at once: one outcome per row, in the rows' order. */
export function publishBatch(publisher: EventPublisher, rows: readonly ClaimedRow[]): Promise<PublishOutcome[]> {
  return Promise.all(
    rows.map((row) =>
      // A publisher answers the normal cases with outcomes; a throw is a bug of its own, counted against the row.
      publisher.publish(row).catch((error: unknown): PublishOutcome => ({ kind: 'rejected', error: errorText(error) })),
    ),
  );
}
