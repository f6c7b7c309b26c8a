import { causalOrder, Orderable } from './causal-order';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const e = (id: string, causationId: string | null, second: number, streamSeq: number | null = null): Orderable => ({
  id,
  causationId,
  occurredAt: at(second),
  streamSeq,
});

describe('causalOrder', () => {
  it('given a saga whose clocks disagree, when ordered, then every effect comes after its cause', () => {
    // StockReserved stamped before OrderPlaced (another process's clock is behind).
    const placed = e('placed', 'request', 10);
    const reserved = e('reserved', 'placed', 9);
    const captured = e('captured', 'reserved', 11);
    const confirmed = e('confirmed', 'captured', 12);
    expect(causalOrder([confirmed, captured, reserved, placed]).map((x) => x.id)).toEqual(['placed', 'reserved', 'captured', 'confirmed']);
  });

  it('given siblings of one cause, when ordered, then by occurredAt, then stream sequence, then id', () => {
    const root = e('a', null, 1);
    const late = e('c', 'a', 5);
    const sameTimeHigherSeq = e('d', 'a', 3, 9);
    const sameTimeLowerSeq = e('e', 'a', 3, 2);
    expect(causalOrder([late, sameTimeHigherSeq, root, sameTimeLowerSeq]).map((x) => x.id)).toEqual(['a', 'e', 'd', 'c']);
  });

  it('given a cause outside the set and a causation cycle, when ordered, then nothing is lost', () => {
    const orphan = e('o', 'missing', 2);
    const x = e('x', 'y', 1);
    const y = e('y', 'x', 3);
    const ordered = causalOrder([x, y, orphan]);
    expect(ordered.map((i) => i.id).sort()).toEqual(['o', 'x', 'y']);
    expect(ordered[0].id).toBe('o');
  });

  it('given a thousand events of random causes and clocks, when ordered, then as the plain sort-every-step algorithm orders them', () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const events = Array.from({ length: 1000 }, (_, i) =>
      e(`e${String(i).padStart(4, '0')}`, i > 0 && random() < 0.8 ? `e${String(Math.floor(random() * i)).padStart(4, '0')}` : null, Math.floor(random() * 50), random() < 0.5 ? i : null),
    );
    expect(causalOrder([...events].reverse()).map((x) => x.id)).toEqual(reference(events).map((x) => x.id));
  });
});

/** Kahn's algorithm re-sorting what is ready at every step: slow, plainly right. */
function reference(events: Orderable[]): Orderable[] {
  const byTime = (a: Orderable, b: Orderable) =>
    a.occurredAt!.getTime() - b.occurredAt!.getTime() || (a.streamSeq ?? Infinity) - (b.streamSeq ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const ids = new Set(events.map((x) => x.id));
  let ready = events.filter((x) => !x.causationId || !ids.has(x.causationId));
  const ordered: Orderable[] = [];
  while (ready.length > 0) {
    ready.sort(byTime);
    const next = ready.shift()!;
    ordered.push(next);
    ready = [...ready, ...events.filter((x) => x.causationId === next.id)];
  }
  return ordered;
}
