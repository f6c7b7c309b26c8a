import { Order } from './order.aggregate';
import { UnknownSkuError } from './orders.errors';

const now = new Date('2026-11-22T10:00:00Z');
const input = {
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  customerId: '01890a5d-ac96-774b-bcce-b302099a8058',
  customerEmail: 'ada@example.com',
  lines: [
    { sku: 'MUG', quantity: 2 },
    { sku: 'TEE', quantity: 1 },
  ],
};
const prices = new Map([
  ['MUG', 1250],
  ['TEE', 2000],
]);

describe('Order', () => {
  it('given catalog prices, when placed, then it is priced from them and records OrderPlaced', () => {
    const order = Order.place(input, prices, now);
    expect(order.snapshot).toMatchObject({ status: 'PENDING', totalCents: 4500, version: 1 });
    expect(order.snapshot.items).toEqual([
      { sku: 'MUG', quantity: 2, unitPriceCents: 1250 },
      { sku: 'TEE', quantity: 1, unitPriceCents: 2000 },
    ]);
    const [placed] = order.pullEvents();
    expect([placed.contract.type, placed.contract.version]).toEqual(['orders.OrderPlaced', 2]);
    expect(placed.payload).not.toHaveProperty('paymentToken');
  });

  it('given a sku missing from the catalog, when placed, then UNKNOWN_SKU names it', () => {
    expect(() => Order.place(input, new Map([['MUG', 1]]), now)).toThrow(UnknownSkuError);
  });

  it('given a pending order, when confirmed, then it records OrderConfirmed once; a later cancel changes nothing', () => {
    const order = Order.place(input, prices, now);
    order.pullEvents();
    expect(order.confirm(now)).toBe(true);
    expect(order.cancel('PAYMENT_DECLINED', now)).toBe(false);
    expect(order.snapshot).toMatchObject({ status: 'CONFIRMED', version: 2, cancellationReason: null });
    expect(order.pullEvents().map((e) => e.contract.type)).toEqual(['orders.OrderConfirmed']);
  });

  it('given a pending order, when cancelled, then it keeps the reason', () => {
    const order = Order.place(input, prices, now);
    order.cancel('OUT_OF_STOCK', now);
    expect(order.snapshot).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' });
  });
});
