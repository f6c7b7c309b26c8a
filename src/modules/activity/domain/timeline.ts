import { ActivityEvent } from './activity-event';
import { causalOrder } from './causal-order';

export interface SeenDelivery {
  eventId: string;
  consumer: string;
  outcome: 'processed' | 'dead-lettered';
  at: Date;
}

/**
 * How a consumer's handling is known: `observed` by this process's dispatcher when it ran here;
 * `caused` when only the events say so (the consumer wrote an event caused by this one, so it
 * had processed it by then).
 */
export interface TimelineConsumer {
  consumer: string;
  outcome: 'processed' | 'dead-lettered';
  at: string | null;
  seen: 'observed' | 'caused';
}

/** An event as the timeline answers it: the kept headers, dates as ISO text, and its consumers. */
export interface TimelineEntry extends Omit<ActivityEvent, 'occurredAt'> {
  occurredAt: string | null;
  recordedAt: string;
  consumers: TimelineConsumer[];
}

/** An order's story: its events in causal order, each with what is known of its consumers. */
export function buildTimeline(events: (ActivityEvent & { recordedAt: Date })[], deliveries: SeenDelivery[]): TimelineEntry[] {
  const consumersOf = new Map<string, TimelineConsumer[]>();
  for (const d of deliveries) {
    const list = consumersOf.get(d.eventId) ?? [];
    list.push({ consumer: d.consumer, outcome: d.outcome, at: d.at.toISOString(), seen: 'observed' });
    consumersOf.set(d.eventId, list);
  }
  const ids = new Set(events.map((e) => e.id));
  for (const effect of events) {
    if (!effect.causationId || !ids.has(effect.causationId) || effect.causationId === effect.id) continue;
    const list = consumersOf.get(effect.causationId) ?? [];
    if (!list.some((c) => c.consumer === effect.producer)) {
      list.push({ consumer: effect.producer, outcome: 'processed', at: effect.occurredAt?.toISOString() ?? null, seen: 'caused' });
    }
    consumersOf.set(effect.causationId, list);
  }
  return causalOrder(events).map((e) => ({
    id: e.id,
    type: e.type,
    version: e.version,
    producer: e.producer,
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    correlationId: e.correlationId,
    causationId: e.causationId,
    occurredAt: e.occurredAt?.toISOString() ?? null,
    stream: e.stream,
    streamSeq: e.streamSeq,
    recordedAt: e.recordedAt.toISOString(),
    consumers: (consumersOf.get(e.id) ?? []).sort((a, b) => a.consumer.localeCompare(b.consumer)),
  }));
}
