import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ProductRegisteredV1 } from '../../../contracts/inventory/product-registered.v1';
import { RegisterProductRequest } from './product.dto';

const valid = { sku: 'MUG-01', name: 'Coffee mug', priceCents: 1250, quantity: 10 };

const edgeAccepts = async (body: object) => (await validate(plainToInstance(RegisterProductRequest, body))).length === 0;

describe('RegisterProductRequest accepts exactly what the ProductRegistered contract accepts', () => {
  it.each<[string, object]>([
    ['a plain product', {}],
    ['the top price', { priceCents: 100_000_000 }],
    ['over the top price', { priceCents: 100_000_001 }],
    ['a price past Postgres integer', { priceCents: 2 ** 31 }],
    ['a negative price', { priceCents: -1 }],
    ['a fractional price', { priceCents: 12.5 }],
    ['an empty name', { name: '' }],
    ['a name of 200', { name: 'n'.repeat(200) }],
    ['a name of 201', { name: 'n'.repeat(201) }],
    ['a bad sku', { sku: 'MUG 01' }],
  ])('%s: the edge and the contract agree', async (_case, change) => {
    const { quantity: _stock, ...event } = { ...valid, ...change };
    expect(await edgeAccepts({ ...valid, ...change })).toBe(ProductRegisteredV1.payload.safeParse(event).success);
  });
});
