/**
 * One event as the activity module keeps it: the envelope's headers, never its payload (no
 * personal data, no secret, whatever the type). Read tolerantly: any type, any version.
 */
export interface ActivityEvent {
  id: string;
  type: string;
  version: number | null;
  producer: string;
  aggregateType: string | null;
  aggregateId: string | null;
  correlationId: string | null;
  causationId: string | null;
  occurredAt: Date | null;
  stream: string | null;
  streamSeq: number | null;
}

/** What the wire gave: the raw message, its type (subject), and where on a stream it sits. */
export interface WireEvent {
  raw: string;
  type: string;
  stream?: string;
  seq?: number;
}

const MAX_TEXT = 200;
/** Postgres `integer` and `timestamptz` bounds (years 1 to 9999 as ISO-8601 writes them): past them a row is refused. */
const MAX_INT4 = 2_147_483_647;
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** The headers of an envelope, or undefined when the message has no id to file it under. */
export function readActivityEvent(wire: WireEvent): ActivityEvent | undefined {
  let envelope: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(wire.raw);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    envelope = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const id = text(envelope.id);
  if (!id) return undefined;
  const type = text(envelope.type) ?? text(wire.type) ?? 'unknown';
  const occurredAt = typeof envelope.occurredAt === 'string' ? new Date(envelope.occurredAt) : null;
  const version = envelope.version;
  return {
    id,
    type,
    version: Number.isSafeInteger(version) && Math.abs(version as number) <= MAX_INT4 ? (version as number) : null,
    producer: type.includes('.') ? type.slice(0, type.indexOf('.')) : 'unknown',
    aggregateType: text(envelope.aggregateType),
    aggregateId: text(envelope.aggregateId),
    correlationId: text(envelope.correlationId),
    causationId: text(envelope.causationId),
    occurredAt: occurredAt && occurredAt.getTime() >= EARLIEST && occurredAt.getTime() <= LATEST ? occurredAt : null,
    stream: wire.stream ?? null,
    streamSeq: wire.seq ?? null,
  };
}

/** Ids and names only: a string or number, cut short, without the NUL a Postgres text refuses; nothing else is kept. */
function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const kept = value.replaceAll('\u0000', '').slice(0, MAX_TEXT);
  return kept.length > 0 ? kept : null;
}
