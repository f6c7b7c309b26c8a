import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { OrderPlacedV2 } from '../../../contracts/orders/order-placed.v2';
import { depositPaymentCredential } from '../../../contracts/payments/deposit-payment-credential.request';
import { MAX_PRICE_CENTS } from '../../../contracts/shared-schemas';
import { PlaceOrderRequest } from './place-order.dto';

const valid = {
  customerId: '0193a2b4-0000-7000-8000-000000000001',
  customerEmail: 'ada@example.com',
  items: [{ sku: 'MUG-01', quantity: 1 }],
  paymentToken: 'tok_visa',
};

const lines = (n: number, quantity = 1) => Array.from({ length: n }, (_, i) => ({ sku: `S-${i}`, quantity }));

const orderId = '0193a2b4-0000-7000-8000-0000000000aa';

/** The OrderPlaced payload the orders module would build from the request, at the top price. */
const placedFrom = ({ paymentToken: _token, ...body }: typeof valid) => {
  const items = body.items.map((l) => ({ ...l, unitPriceCents: MAX_PRICE_CENTS }));
  const totalCents = items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  return { orderId, ...body, items, totalCents };
};

/** What the request becomes: OrderPlaced, and the card token handed to payments beside it. */
const contractsAccept = (body: typeof valid) =>
  OrderPlacedV2.payload.safeParse(placedFrom(body)).success &&
  depositPaymentCredential.safeParse({ orderId, paymentToken: body.paymentToken }).success;

const edgeAccepts = async (body: object) =>
  (await validate(plainToInstance(PlaceOrderRequest, body), { whitelist: true, forbidNonWhitelisted: true })).length === 0;

describe('PlaceOrderRequest accepts exactly what the OrderPlaced contract accepts', () => {
  it.each<[string, object]>([
    ['a plain order', {}],
    ['a non-ASCII e-mail', { customerEmail: 'jörg@example.de' }],
    ['a quoted local part', { customerEmail: '"john doe"@x.com' }],
    ['an e-mail over 254 characters', { customerEmail: `${'a'.repeat(64)}@${'b'.repeat(190)}.com` }],
    ['a uuid with an RFC 9562 variant', { customerId: '0193a2b4-0000-7000-8000-000000000002' }],
    ['a uuid with a foreign variant', { customerId: '12345678-1234-1234-1234-123456789012' }],
    ['a token with a space', { paymentToken: 'tok visa' }],
    ['a token of 129 characters', { paymentToken: 't'.repeat(129) }],
    ['no lines', { items: [] }],
    ['100 lines of 1,000', { items: lines(100, 1000) }],
    ['101 lines', { items: lines(101) }],
    ['1,001 units', { items: lines(1, 1001) }],
    ['a fractional quantity', { items: lines(1, 1.5) }],
    ['a bad sku', { items: [{ sku: 'MUG 01', quantity: 1 }] }],
  ])('%s: the edge and the contract agree', async (_case, change) => {
    const body = { ...valid, ...change };
    const contract = contractsAccept(body);
    expect(await edgeAccepts(body)).toBe(contract);
  });

  it('the table is not trivial: both outcomes occur', async () => {
    expect(await edgeAccepts(valid)).toBe(true);
    expect(await edgeAccepts({ ...valid, customerEmail: 'jörg@example.de' })).toBe(false);
  });
});
