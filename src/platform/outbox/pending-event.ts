import { EventContract } from '../../contracts/event-contract';
import { PendingEvent } from './outbox';

export interface AggregateRef {
  type: string;
  id: string;
  version: number;
}

/** A typed outbox entry for a contract: the payload must match the contract's type. */
export function pendingEvent<TType extends string, TPayload>(
  contract: EventContract<TType, TPayload>,
  aggregate: AggregateRef,
  payload: TPayload,
  correlationId?: string,
): PendingEvent<TPayload> {
  return {
    type: contract.type,
    version: contract.version,
    aggregateType: aggregate.type,
    aggregateId: aggregate.id,
    aggregateVersion: aggregate.version,
    payload,
    correlationId,
  };
}
