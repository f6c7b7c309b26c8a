import { AdminCredentials } from './admin-credentials';

const OPERATE = 'o'.repeat(24);
const FULL = 'f'.repeat(24);

describe('AdminCredentials', () => {
  const both = new AdminCredentials({ token: OPERATE, fullToken: FULL });

  it('given no ADMIN_TOKEN, is off and grants nothing, whatever is presented', () => {
    const off = new AdminCredentials({});
    expect(off.enabled).toBe(false);
    expect(off.authenticate(`Bearer ${OPERATE}`)).toEqual({ refused: 'missing' });
  });

  it.each([
    ['the operator token', `Bearer ${OPERATE}`, { granted: 'operate' }],
    ['the full token', `Bearer ${FULL}`, { granted: 'full' }],
    ['the scheme in lower case', `bearer ${OPERATE}`, { granted: 'operate' }],
    ['no header', undefined, { refused: 'missing' }],
    ['an empty header', '', { refused: 'missing' }],
    ['another scheme', `Basic ${Buffer.from(`admin:${OPERATE}`).toString('base64')}`, { refused: 'missing' }],
    ['the token without a scheme', OPERATE, { refused: 'missing' }],
    ['a repeated header', [`Bearer ${OPERATE}`, `Bearer ${OPERATE}`], { refused: 'missing' }],
    ['a wrong token', `Bearer ${'x'.repeat(24)}`, { refused: 'invalid' }],
    ['a prefix of the token', `Bearer ${OPERATE.slice(0, 23)}`, { refused: 'invalid' }],
    ['the token and more', `Bearer ${OPERATE}x`, { refused: 'invalid' }],
    ['the two tokens glued', `Bearer ${OPERATE}${FULL}`, { refused: 'invalid' }],
  ])('given %s, answers %j', (_why, header, expected) => {
    expect(both.authenticate(header)).toEqual(expected);
  });

  it('given only ADMIN_TOKEN, never grants the full scope', () => {
    const operateOnly = new AdminCredentials({ token: OPERATE });
    expect(operateOnly.authenticate(`Bearer ${OPERATE}`)).toEqual({ granted: 'operate' });
    expect(operateOnly.authenticate(`Bearer ${FULL}`)).toEqual({ refused: 'invalid' });
  });
});
