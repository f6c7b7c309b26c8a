/** What ordering needs of an event: its id, its cause, its time and its place on a stream. */
export interface Orderable {
  id: string;
  causationId: string | null;
  occurredAt: Date | null;
  streamSeq: number | null;
}

/**
 * Causal order: an event comes after the event that caused it; among events whose causes are
 * placed (or outside the set), the earliest occurredAt goes first, then the lower stream
 * sequence, then the id (UUIDv7: time-ordered). Kahn's algorithm with that tie-break, so a
 * clock skew between processes never puts an effect before its cause.
 */
export function causalOrder<T extends Orderable>(events: readonly T[]): T[] {
  const byId = new Map(events.map((e) => [e.id, e]));
  const children = new Map<string, T[]>();
  const ready: T[] = [];
  for (const event of events) {
    const cause = event.causationId && event.causationId !== event.id ? byId.get(event.causationId) : undefined;
    if (cause) children.set(cause.id, [...(children.get(cause.id) ?? []), event]);
    else ready.push(event);
  }
  const ordered: T[] = [];
  while (ready.length > 0) {
    ready.sort(earlierFirst);
    const next = ready.shift()!;
    ordered.push(next);
    ready.push(...(children.get(next.id) ?? []));
  }
  // A causation cycle (only a broken producer makes one): what is left, by time.
  if (ordered.length < events.length) {
    const placed = new Set(ordered.map((e) => e.id));
    ordered.push(...events.filter((e) => !placed.has(e.id)).sort(earlierFirst));
  }
  return ordered;
}

function earlierFirst(a: Orderable, b: Orderable): number {
  const t = (a.occurredAt?.getTime() ?? Infinity) - (b.occurredAt?.getTime() ?? Infinity);
  if (t !== 0 && !Number.isNaN(t)) return t;
  const s = (a.streamSeq ?? Infinity) - (b.streamSeq ?? Infinity);
  if (s !== 0 && !Number.isNaN(s)) return s;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
