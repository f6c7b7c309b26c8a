import { PendingEvent } from '../../../platform/outbox/outbox';
import { pendingEvent } from '../../../platform/outbox/pending-event';
import { Payment } from '../domain/payment';

/** The payment's recorded events as outbox entries, each at the version its transition gave it. */
export function paymentEvents(payment: Payment): PendingEvent[] {
  const { id, orderId } = payment.snapshot;
  return payment.pullEvents().map((e) => pendingEvent(e.contract, { type: 'Payment', id, version: e.version }, e.payload, orderId));
}
