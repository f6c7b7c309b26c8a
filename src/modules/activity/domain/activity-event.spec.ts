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
});
