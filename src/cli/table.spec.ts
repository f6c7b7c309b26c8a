import { age, cell, formatTable, truncate } from './table';

describe('CLI tables', () => {
  it('given rows, pads each column to its widest cell and leaves the last one unpadded', () => {
    expect(formatTable(['MODULE', 'UNPUBLISHED', 'ERROR'], [['orders', 12, 'broker away'], ['notifications', 0, null]])).toBe(
      ['MODULE         UNPUBLISHED  ERROR', 'orders         12           broker away', 'notifications  0            -'].join('\n'),
    );
  });

  it('given dates, objects and line breaks, writes each as one cell', () => {
    expect(cell(new Date('2026-12-02T06:00:00Z'))).toBe('2026-12-02T06:00:00.000Z');
    expect(cell({ a: 1 })).toBe('{"a":1}');
    expect(cell('first\n  second')).toBe('first second');
  });

  it.each([
    [0, '0s'],
    [59.9, '59s'],
    [200, '3m20s'],
    [3 * 3600 + 120, '3h02m'],
    [2 * 86_400 + 4 * 3600, '2d04h'],
  ])('given %d seconds, shows %s', (seconds, text) => {
    expect(age(seconds)).toBe(text);
  });

  it('cuts long text with an ellipsis', () => {
    expect(truncate('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(truncate('short', 10)).toBe('short');
  });
});
