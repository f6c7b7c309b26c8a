import { NATS_AVAILABLE } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { ProcessShop } from '../support/shop/process-shop';
import { Shop } from '../support/shop/shop';

const REVERSED = 'notifications,payments,inventory,orders';

/**
 * The order of APP_MODULES, and which modules share a process, must change nothing: each
 * listener runs for its own module only; nor must the smallest pools (a batch claimed at commit
 * keeps its producer's connection while it publishes). The same mixed load over each topology,
 * judged by the independent checker.
 */
const TOPOLOGIES: [string, (name: string) => Shop][] = [
  ['monolith in-process, modules listed in reverse', (n) => new InProcessShop(`${n}_ip`, { NATS_URL: '', APP_MODULES: REVERSED })],
  ['monolith in-process, a pool of 2', (n) => new InProcessShop(`${n}_p2`, { NATS_URL: '', DATABASE_POOL_SIZE: '2' })],
  ['monolith in-process, a pool of 3, modules in reverse', (n) => new InProcessShop(`${n}_p3`, { NATS_URL: '', DATABASE_POOL_SIZE: '3', APP_MODULES: REVERSED })],
  ...(NATS_AVAILABLE
    ? ([
        ['monolith over JetStream, a pool of 3', (n) => new InProcessShop(`${n}_j3`, { DATABASE_POOL_SIZE: '3' })],
        ['monolith over JetStream, modules listed in reverse', (n) => new InProcessShop(n, { APP_MODULES: REVERSED })],
        ['each module alone in its own process', (n) => new ProcessShop(`${n}_each`, [['payments'], ['notifications'], ['inventory'], ['orders']])],
      ] as [string, (name: string) => Shop][])
    : []),
];

describe.each(TOPOLOGIES)('the saga, %s', (_name, makeShop) => {
  const shop = makeShop('topo');
  beforeAll(() => shop.setUp());
  afterAll(() => shop.tearDown());

  it('30 orders (captured, declined, out of stock) end as they should, and the checker finds nothing wrong', async () => {
    await shop.registerProduct('TOPO-A', 250, 40);
    await shop.registerProduct('TOPO-B', 900, 3);
    const requests = [
      ...Array.from({ length: 20 }, () => ({ items: [{ sku: 'TOPO-A', quantity: 1 }], token: 'tok_visa', expect: 'CONFIRMED' })),
      ...Array.from({ length: 5 }, () => ({ items: [{ sku: 'TOPO-A', quantity: 2 }], token: 'tok_chargeDeclined', expect: 'PAYMENT_DECLINED' })),
      ...Array.from({ length: 5 }, () => ({ items: [{ sku: 'TOPO-B', quantity: 4 }], token: 'tok_visa', expect: 'OUT_OF_STOCK' })),
    ];
    const placed = await Promise.all(requests.map((r) => shop.placeOrder(r.items, r.token)));
    expect(placed.map((p) => p.status)).toEqual(requests.map(() => 201));
    const finals = await shop.finalOrders(placed.map((p) => p.body.orderId), 120_000);
    expect(finals.map((o) => o.cancellationReason ?? o.status)).toEqual(requests.map((r) => r.expect));

    const { result, report } = await shop.verify(placed.map((p) => p.body.orderId), { 'TOPO-A': 40, 'TOPO-B': 3 });
    if (!result.ok) console.log(report);
    expect(result.violations).toEqual([]);
    expect(await shop.product('TOPO-A')).toMatchObject({ available: 20, reserved: 0, sold: 20 });
    expect(await shop.product('TOPO-B')).toMatchObject({ available: 3, reserved: 0, sold: 0 });
  });
});
