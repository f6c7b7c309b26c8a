import { v7 as uuidv7 } from 'uuid';

/** A hand-made event as a producer would publish it: the suites vary only the fields they are about. */
export function testEnvelope<P>(e: { type: string; version?: unknown; aggregateType?: string; aggregateId?: string; id?: string; payload: P }) {
  const id = e.id ?? uuidv7();
  const aggregateId = e.aggregateId ?? id;
  return {
    id,
    type: e.type,
    version: e.version ?? 1,
    occurredAt: new Date().toISOString(),
    aggregateType: e.aggregateType ?? 'Thing',
    aggregateId,
    aggregateVersion: 1,
    correlationId: aggregateId,
    causationId: aggregateId,
    payload: e.payload,
  };
}

/** `orders.OrderPlaced` of `orderId` as version `version` wrote it (v1 carries `paymentToken` in `payload`). */
export const orderPlacedEnvelope = <P extends object>(version: number, orderId: string, payload: P) =>
  testEnvelope({ type: 'orders.OrderPlaced', version, aggregateType: 'Order', aggregateId: orderId, payload: { orderId, ...payload } });
