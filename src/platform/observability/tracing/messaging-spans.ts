import { Attributes, context, Context, INVALID_SPAN_CONTEXT, Link, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { EventEnvelope } from '../../../contracts/event-envelope';
import { scrubLogText } from '../log-scrubber';
import { contextOf, fromTraceparent, toTraceparent } from './trace-context';
import { tracingSwitch } from './tracing-switch';

/**
 * Spans of the event path, named and described by the OpenTelemetry messaging semantic
 * conventions: `create` when the outbox row is written (its context is the envelope's
 * traceparent), `publish` when the relay hands it to the broker (a child of that), `process`
 * when a consuming module handles it (a child of the publish span, from the NATS headers).
 * With tracing off nothing here makes a span, and the traceparent passes through unchanged.
 */
const tracer = trace.getTracer('shop.messaging');
/** What the event path holds when tracing is off: records nothing, carries no context. */
const UNTRACED: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

const base = (destination: string, event: { id: string; type: string; correlationId?: string }): Attributes => ({
  'messaging.system': 'nats',
  'messaging.destination.name': destination,
  'messaging.message.id': event.id,
  'messaging.message.conversation_id': event.correlationId,
  'shop.event.type': event.type,
});

/**
 * The outbox write of one event: started before its envelope is built, ended after the insert.
 * A child of the active span, else of the traceparent the work was handed (a caller's header).
 */
export function startCreateSpan(type: string, handed?: string): Span {
  if (!tracingSwitch.isOn()) return UNTRACED;
  const active = context.active();
  return tracer.startSpan(
    `create ${type}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': type, 'messaging.operation.type': 'create', 'messaging.operation.name': 'create' },
    },
    trace.getSpanContext(active) ? active : contextOf(handed),
  );
}

/** The traceparent an event carries: its create span's, or the one of the work that wrote it (tracing off). */
export function traceparentFor(span: Span, fallback?: string): string | undefined {
  const own = span.spanContext();
  return trace.isSpanContextValid(own) ? toTraceparent(own) : fallback;
}

export function describeCreated(span: Span, event: EventEnvelope): void {
  if (span === UNTRACED) return;
  span.setAttributes({ 'messaging.message.id': event.id, 'messaging.message.conversation_id': event.correlationId, 'shop.event.type': event.type });
}

/** What the relay knows of an event it publishes: it never parses the stored envelope. */
export interface PublishedEvent {
  id: string;
  type: string;
  traceparent?: string | null;
  correlationId?: string;
}

/**
 * The relay's publish of one event, a child of the event's creation context. `send` receives the
 * traceparent to put in the message headers: the publish span's, so the consumer is its child.
 */
export async function withPublishSpan<T>(event: PublishedEvent, destination: string, send: (traceparent?: string) => Promise<T>): Promise<T> {
  if (!tracingSwitch.isOn()) return send(event.traceparent ?? undefined);
  const parent = contextOf(event.traceparent ?? undefined);
  const span = tracer.startSpan(
    `publish ${destination}`,
    { kind: SpanKind.PRODUCER, attributes: { ...base(destination, event), 'messaging.operation.type': 'send', 'messaging.operation.name': 'publish' } },
    parent,
  );
  return inSpan(span, trace.setSpan(parent, span), () => send(traceparentFor(span, event.traceparent ?? undefined)));
}

export interface ProcessSpanInput {
  consumer: string;
  group: string;
  destination: string;
  event: EventEnvelope;
  bodySize: number;
}

/**
 * A consuming module's handling of one event: a child of the publish span (the active context,
 * set from the NATS headers or by the in-process publisher), else of the envelope's traceparent;
 * linked to the creation context when that is not already its parent. The module's database
 * work runs inside it, so its pg spans and its own outbox writes continue the same trace.
 * `settled`: the span ends when it resolves rather than when `work` does, with an error if it
 * resolves to one (a grouped delivery's handlers ran, then its group's transaction rolled back).
 */
export function withProcessSpan<T>(
  { consumer, group, destination, event, bodySize }: ProcessSpanInput,
  work: (span: Span) => Promise<T>,
  settled?: Promise<unknown>,
): Promise<T> {
  if (!tracingSwitch.isOn()) return work(UNTRACED);
  const active = context.active();
  const parent = trace.getSpanContext(active) ? active : contextOf(event.traceparent);
  const created = fromTraceparent(event.traceparent);
  const links: Link[] = created && created.spanId !== trace.getSpanContext(parent)?.spanId ? [{ context: created }] : [];
  const span = tracer.startSpan(
    `process ${destination}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        ...base(destination, event),
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.consumer.group.name': group,
        'messaging.message.body.size': bodySize,
        'shop.consumer': consumer,
      },
    },
    parent,
  );
  return inSpan(span, trace.setSpan(parent, span), () => work(span), settled);
}

/** Continues a trace recorded with some due work (a gateway call run later by a worker). */
export function withContinuedSpan<T>(name: string, traceparent: string | undefined, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!tracingSwitch.isOn()) return work();
  const parent = contextOf(traceparent);
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  return inSpan(span, trace.setSpan(parent, span), work);
}

/** Runs a delivery in the context of its NATS `traceparent` header: never in whatever ran before it. */
export function withHeaderContext<T>(traceparent: string | undefined, work: () => Promise<T>): Promise<T> {
  return tracingSwitch.isOn() ? context.with(contextOf(traceparent), work) : work();
}

async function inSpan<T>(span: Span, within: Context, work: () => Promise<T>, settled?: Promise<unknown>): Promise<T> {
  let failed = false;
  try {
    return await context.with(within, work);
  } catch (error) {
    failed = true;
    markFailed(span, error);
    throw error;
  } finally {
    if (!settled) span.end();
    else
      void settled.then((failure) => {
        if (failure !== undefined && !failed) markFailed(span, failure);
        span.end();
      });
  }
}

function markFailed(span: Span, error: unknown): void {
  // Exported text goes where logs go: scrubbed the same way, and without a stack.
  const message = scrubLogText(error instanceof Error ? error.message : String(error));
  span.recordException({ name: error instanceof Error ? error.name : 'Error', message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
