import { PendingEvent } from '../../../platform/outbox/outbox';
import { pendingEvent } from '../../../platform/outbox/pending-event';
import { Order } from '../domain/order.aggregate';

/** The order's recorded events as outbox entries; the order id correlates the whole saga. */
export function orderEvents(order: Order): PendingEvent[] {
  const { id, version } = order.snapshot;
  return order
    .pullEvents()
    .map((e) => pendingEvent(e.contract, { type: 'Order', id, version }, e.payload, id));
}
