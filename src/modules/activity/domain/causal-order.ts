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
    if (cause) {
      const siblings = children.get(cause.id);
      if (siblings) siblings.push(event);
      else children.set(cause.id, [event]);
    }
    else ready.push(event);
  }
  const ordered: T[] = [];
  // Kept latest first, so the next is popped off the end; a caused event is put in its place (a
  // sort per step made a thousand siblings cost tens of milliseconds of the event loop).
  ready.sort((a, b) => earlierFirst(b, a));
  while (ready.length > 0) {
    const next = ready.pop()!;
    ordered.push(next);
    for (const child of children.get(next.id) ?? []) ready.splice(placeOf(ready, child), 0, child);
  }
  // A causation cycle (only a broken producer makes one): what is left, by time.
  if (ordered.length < events.length) {
    const placed = new Set(ordered.map((e) => e.id));
    ordered.push(...events.filter((e) => !placed.has(e.id)).sort(earlierFirst));
  }
  return ordered;
}

/** Where `item` goes in a latest-first list: after everything later than it. */
function placeOf(latestFirst: readonly Orderable[], item: Orderable): number {
  let low = 0;
  let high = latestFirst.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (earlierFirst(latestFirst[mid], item) > 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function earlierFirst(a: Orderable, b: Orderable): number {
  const t = (a.occurredAt?.getTime() ?? Infinity) - (b.occurredAt?.getTime() ?? Infinity);
  if (t !== 0 && !Number.isNaN(t)) return t;
  const s = (a.streamSeq ?? Infinity) - (b.streamSeq ?? Infinity);
  if (s !== 0 && !Number.isNaN(s)) return s;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
