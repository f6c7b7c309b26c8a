import { Context, context, isSpanContextValid, ROOT_CONTEXT, SpanContext, trace } from '@opentelemetry/api';

/** W3C trace-context `traceparent`; a future version may append fields (kept out: we write 00). */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

export function toTraceparent(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Undefined for anything that is not a valid traceparent (it arrives from outside: never trusted). */
export function fromTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match || match[1] === 'ff' || (match[1] === '00' && match[5])) return undefined;
  const span: SpanContext = { traceId: match[2], spanId: match[3], traceFlags: parseInt(match[4], 16), isRemote: true };
  return isSpanContextValid(span) ? span : undefined;
}

/** A context whose parent is the given traceparent; the root context without one. */
export function contextOf(traceparent: unknown): Context {
  const span = fromTraceparent(traceparent);
  return span ? trace.setSpanContext(ROOT_CONTEXT, span) : ROOT_CONTEXT;
}

/** The active span's traceparent; undefined when tracing is off or nothing is traced here. */
export function activeTraceparent(): string | undefined {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? toTraceparent(span) : undefined;
}
