import { safeInteger, UnsafeIntegerError } from './safe-integer';

describe('safeInteger (bigint columns read as strings)', () => {
  it.each([
    ['0', 0],
    ['10000000000000', 10_000_000_000_000],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['-5', -5],
  ])('reads %s exactly', (raw, expected) => {
    expect(safeInteger(raw, 'total_cents')).toBe(expected);
  });

  it.each(['9007199254740992', '99999999999999999999', '1.5', '', 'abc'])('refuses %j, naming the column', (raw) => {
    expect(() => safeInteger(raw, 'total_cents')).toThrow(UnsafeIntegerError);
    expect(() => safeInteger(raw, 'total_cents')).toThrow(/total_cents/);
  });
});
