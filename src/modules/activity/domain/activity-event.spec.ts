import { readActivityEvent } from './activity-event';

describe('readActivityEvent', () => {
  it('given an envelope of a type and version nobody knows, when read, then its headers are kept and its payload is not', () => {
    const raw = JSON.stringify({
      id: '0193a2b4-0000-7000-8000-00000000000a',
      type: 'shipping.ParcelLost',
      version: 7,
      occurredAt: '2026-01-01T00:00:00.000Z',
      aggregateType: 'Parcel',
      aggregateId: 'p-1',
      correlationId: 'c-1',
      causationId: 'x-1',
      payload: { customerEmail: 'ada@example.com' },
    });
    const event = readActivityEvent({ raw, type: 'shipping.ParcelLost', stream: 'SHIPPING', seq: 3 });
    expect(event).toEqual({
      id: '0193a2b4-0000-7000-8000-00000000000a',
      type: 'shipping.ParcelLost',
      version: 7,
      producer: 'shipping',
      aggregateType: 'Parcel',
      aggregateId: 'p-1',
      correlationId: 'c-1',
      causationId: 'x-1',
      occurredAt: new Date('2026-01-01T00:00:00.000Z'),
      stream: 'SHIPPING',
      streamSeq: 3,
    });
    expect(JSON.stringify(event)).not.toContain('example.com');
  });

  it('given messages without an id, not JSON or not an object, when read, then they are skipped, not thrown', () => {
    for (const raw of ['not json', '[]', 'null', '{"type":"orders.OrderPlaced"}', '{"id":{}}']) {
      expect(readActivityEvent({ raw, type: 'orders.OrderPlaced' })).toBeUndefined();
    }
  });

  it('given odd header values, when read, then bad dates and versions become null', () => {
    const event = readActivityEvent({ raw: JSON.stringify({ id: 'e-1', type: 42, version: '1', occurredAt: 'yesterday' }), type: 'orders.X' });
    expect(event).toMatchObject({ id: 'e-1', type: '42', version: null, occurredAt: null, producer: 'unknown' });
  });

  it('given values Postgres refuses (NUL bytes, a version past int4, dates past year 9999 or before year 1), when read, then they are cleaned or null', () => {
    const read = (fields: Record<string, unknown>) => readActivityEvent({ raw: JSON.stringify({ id: 'e-1', type: 'orders.X', ...fields }), type: 'orders.X' });
    expect(read({ id: 'e\u0000-2', aggregateId: 'a\u0000b', type: 'orders.\u0000Y' })).toMatchObject({ id: 'e-2', aggregateId: 'ab', type: 'orders.Y' });
    expect(read({ correlationId: '\u0000' })).toMatchObject({ correlationId: null });
    expect(read({ version: 2 ** 40 })).toMatchObject({ version: null });
    expect(read({ version: 2 ** 31 - 1 })).toMatchObject({ version: 2 ** 31 - 1 });
    for (const occurredAt of ['+275760-09-13T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '-000050-01-01T00:00:00.000Z']) {
      expect(read({ occurredAt })).toMatchObject({ occurredAt: null });
    }
    expect(read({ occurredAt: '0001-01-01T00:00:00.000Z' })?.occurredAt?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });
});
