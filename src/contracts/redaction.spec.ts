import { z } from 'zod';
import { defineContract } from './event-contract';
import { REDACTED, Redactor } from './redaction';

const PaidV1 = defineContract('shop.Paid', 1, z.object({ card: z.string(), email: z.string() }), { secret: ['card'], personal: ['email'] });
const redactor = new Redactor([PaidV1]);

describe('Redactor', () => {
  it('given an event, drops its secrets and hides personal fields', () => {
    expect(redactor.redact({ type: 'shop.Paid', payload: { card: 'tok_visa', email: 'a@b.c', n: 1 } })).toEqual({
      type: 'shop.Paid',
      payload: { email: REDACTED, n: 1 },
    });
  });

  it('given the full scope, shows personal fields and still never a secret', () => {
    expect(redactor.redact({ payload: { card: 'tok_visa', email: 'a@b.c' } }, { revealPersonal: true })).toEqual({ payload: { email: 'a@b.c' } });
  });

  it('given an invalid shape, finds the fields at any depth', () => {
    expect(redactor.redact([{ x: { card: 'tok_visa' } }])).toEqual([{ x: {} }]);
  });

  it('given nesting deeper than any contract, hides what lies below rather than miss a secret there', () => {
    let deep: unknown = { card: 'tok_deep' };
    for (let i = 0; i < 100; i++) deep = { inner: deep };
    expect(JSON.stringify(redactor.redact(deep))).not.toContain('tok_deep');
  });

  it('given raw text that is not JSON, hides the quoted pairs', () => {
    const text = redactor.redactText('{"card" : "tok_\\"visa", "email":"a@b.c", broken');
    expect(text).not.toMatch(/tok_|a@b\.c/);
    expect(text).toContain(`"card":"${REDACTED}"`);
  });

  it('given raw text with a secret unquoted (a broken producer), hides it too', () => {
    const text = redactor.redactText('{"x":{"card": tok_visa_1},"card":tok_2, "email":a@b.c]');
    expect(text).not.toMatch(/tok_|a@b\.c/);
  });
});
