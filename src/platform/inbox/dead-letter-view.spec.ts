import { z } from 'zod';
import { defineContract } from '../../contracts/event-contract';
import { REDACTED, Redactor } from '../../contracts/redaction';
import { DeadLetter } from './dead-letters';
import { viewDeadLetter } from './dead-letter-view';

const Placed = defineContract('shop.Placed', 1, z.object({ email: z.string(), token: z.string() }), { secret: ['token'], personal: ['email'] });
const redactor = new Redactor([Placed]);

const letter = (overrides: Partial<DeadLetter>): DeadLetter => ({
  id: 'l1',
  source: 'inbox',
  consumer: 'c',
  eventId: 'e1',
  type: 'shop.Placed',
  envelope: null,
  raw: null,
  error: 'boom',
  attempts: 1,
  createdAt: new Date(0),
  retriedAt: null,
  ...overrides,
});

describe('viewDeadLetter', () => {
  const parked = letter({
    envelope: { payload: { email: 'ada@example.com', token: 'tok_visa', note: 'write to bob@example.org' } },
    error: 'SMTP refused ada@example.com via smtp://mailer:s3cret@mail.internal:25',
  });

  it('given the operator scope, shows no secret, no declared personal field, no e-mail in free text, no password', () => {
    const view = viewDeadLetter(parked, redactor, false);
    const json = JSON.stringify(view);
    expect(json).not.toMatch(/tok_visa|ada@example\.com|bob@example\.org|s3cret/);
    expect(view.envelope).toEqual({ payload: { email: REDACTED, note: `write to ${REDACTED}` } });
    expect(view.error).toBe(`SMTP refused ${REDACTED} via smtp://mailer:***@mail.internal:25`);
  });

  it('given the full scope, shows personal data, still no secret and no password', () => {
    const view = viewDeadLetter(parked, redactor, true);
    expect(view.envelope).toEqual({ payload: { email: 'ada@example.com', note: 'write to bob@example.org' } });
    expect(view.error).toBe('SMTP refused ada@example.com via smtp://mailer:***@mail.internal:25');
  });

  it('given a raw delivery that is not JSON, hides its token and e-mail', () => {
    const view = viewDeadLetter(letter({ raw: '{"token":"tok_visa","email":"ada@example.com", broken' }), redactor, false);
    expect(view.raw).not.toMatch(/tok_visa|ada@example\.com/);
  });

  it('leaves everything else as parked', () => {
    const view = viewDeadLetter(letter({ envelope: { payload: { n: 1, list: ['a', 2] } } }), redactor, false);
    expect(view).toEqual(letter({ envelope: { payload: { n: 1, list: ['a', 2] } } }));
  });

  it('given a broken producer that put an e-mail in the event id or type, hides it there too', () => {
    const view = viewDeadLetter(letter({ eventId: 'ada@example.com', type: 'shop.Placed ada@example.com' }), redactor, false);
    expect(JSON.stringify(view)).not.toContain('ada@example.com');
    expect(viewDeadLetter(letter({ eventId: 'ada@example.com' }), redactor, true).eventId).toBe('ada@example.com');
  });
});
