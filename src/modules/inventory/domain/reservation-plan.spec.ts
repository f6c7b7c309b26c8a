import { planReservation, shortages } from './reservation-plan';

describe('planReservation', () => {
  it('given duplicate skus in any order, sums them and sorts by sku', () => {
    const plan = planReservation([
      { sku: 'b', quantity: 1 },
      { sku: 'a', quantity: 2 },
      { sku: 'b', quantity: 3 },
    ]);
    expect(plan).toEqual([
      { sku: 'a', quantity: 2 },
      { sku: 'b', quantity: 4 },
    ]);
  });
});

describe('shortages', () => {
  it('given one line short, names only that sku; an unknown sku is short', () => {
    const plan = [
      { sku: 'a', quantity: 2 },
      { sku: 'b', quantity: 5 },
      { sku: 'c', quantity: 1 },
    ];
    expect(shortages(plan, new Map([['a', 2], ['b', 4]]))).toEqual(['b', 'c']);
  });
});
