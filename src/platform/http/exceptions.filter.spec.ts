import { BadRequestException } from '@nestjs/common';
import { toErrorBody } from './exceptions.filter';

describe('toErrorBody', () => {
  it.each([
    ['a pool wait past its timeout', Object.assign(new Error('timeout exceeded when trying to connect'), {})],
    ['too many connections (53300)', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['Postgres shutting down (57P01)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' })],
  ])('answers 503 without the error text for %s', (_case, error) => {
    const body = toErrorBody(error);
    expect(body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    expect(body.message).not.toContain(error.message);
  });

  it('keeps 500 for a bug or a missing table, and 400 for bad input', () => {
    expect(toErrorBody(new TypeError('x is undefined')).statusCode).toBe(500);
    expect(toErrorBody(Object.assign(new Error('relation "orders.orders" does not exist'), { code: '42P01' })).statusCode).toBe(500);
    expect(toErrorBody(new BadRequestException('nope')).statusCode).toBe(400);
  });
});
