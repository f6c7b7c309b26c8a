import { jsonDepthExceeds } from './json-body-parser';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects alike, up to the bound included', () => {
    expect(jsonDepthExceeds(nested(32), 32)).toBe(false);
    expect(jsonDepthExceeds(nested(33), 32)).toBe(true);
    expect(jsonDepthExceeds('{"a":'.repeat(33) + '1' + '}'.repeat(33), 32)).toBe(true);
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 3)).toBe(true);
  });

  it('measures depth, not the number of brackets', () => {
    expect(jsonDepthExceeds('['.concat(Array(1000).fill('[1]').join(','), ']'), 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceeds(JSON.stringify({ name: '['.repeat(100) }), 1)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ name: 'a\\"[[[[' }), 1)).toBe(false);
    // An escaped backslash ends right before the closing quote: the string ends there.
    expect(jsonDepthExceeds(JSON.stringify([{ name: '\\' }, [[1]]]), 2)).toBe(true);
  });

  it('takes 100,000 levels without recursion', () => {
    expect(jsonDepthExceeds(nested(100_000), 32)).toBe(true);
  });
});
