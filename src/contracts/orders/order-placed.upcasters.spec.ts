import { OrderPlacedV1 } from './order-placed.v1';
import { OrderPlacedV2 } from './order-placed.v2';
import { OrderPlacedV1ToV2 } from './order-placed.upcasters';

describe('OrderPlaced v1 → v2', () => {
  it('given a v1 payload, gives a valid v2 payload without the card token', () => {
    const v1 = OrderPlacedV1.payload.parse({
      orderId: '0193a2b4-0000-7000-8000-0000000000aa',
      customerId: '0193a2b4-0000-7000-8000-000000000001',
      customerEmail: 'ada@example.com',
      items: [{ sku: 'MUG-01', quantity: 2, unitPriceCents: 1250 }],
      totalCents: 2500,
      paymentToken: 'tok_visa',
    });
    const v2 = OrderPlacedV1ToV2.upcast(v1);
    expect(OrderPlacedV2.payload.parse(v2)).toEqual(v2);
    expect(v2).not.toHaveProperty('paymentToken');
  });
});
