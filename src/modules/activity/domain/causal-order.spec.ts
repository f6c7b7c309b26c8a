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
});
