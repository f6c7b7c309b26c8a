import { NotYetError } from '../domain-error';
import { classifyFailure } from './failure-kind';

describe('classifyFailure', () => {
  it.each([
    ['a "not yet"', new NotYetError('no intent yet')],
    ['Postgres refusing connections', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['an admin shutdown (57P01)', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a deadlock (40P01)', Object.assign(new Error('deadlock detected'), { code: '40P01' })],
    ['too many connections (53300)', Object.assign(new Error('sorry'), { code: '53300' })],
    ['SMTP refusing connections', Object.assign(new Error('Connection refused'), { code: 'ESOCKET' })],
    ['SMTP 451 try later', Object.assign(new Error('451 busy'), { responseCode: 451 })],
    ['a wrapped outage', new Error('charge failed', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) })],
  ])('given %s, the failure is waiting (retried without spending the budget)', (_, error) => {
    expect(classifyFailure(error)).toBe('waiting');
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a constraint violation (23505)', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['integer out of range (22003)', Object.assign(new Error('integer out of range'), { code: '22003' })],
    ['SMTP 550 rejected recipient', Object.assign(new Error('550 no such user'), { responseCode: 550 })],
    ['a thrown string', 'nope'],
  ])('given %s, the failure is faulty (counts toward the dead-letter table)', (_, error) => {
    expect(classifyFailure(error)).toBe('faulty');
  });
});
