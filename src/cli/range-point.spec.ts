import { UsageError } from './cli-output';
import { checkRange, parseMoment, parseRangePoint } from './range-point';

describe('parseRangePoint', () => {
  const now = new Date('2026-12-02T06:00:00Z');

  it.each([
    ['1042', { seq: 1042 }],
    ['15m', { time: new Date('2026-12-02T05:45:00Z') }],
    ['90s', { time: new Date('2026-12-02T05:58:30Z') }],
    ['2h', { time: new Date('2026-12-02T04:00:00Z') }],
    ['7d', { time: new Date('2026-11-25T06:00:00Z') }],
    ['2026-12-01T10:00:00Z', { time: new Date('2026-12-01T10:00:00Z') }],
    ['2026-12-01', { time: new Date('2026-12-01T00:00:00Z') }],
  ])('given %s, answers %j', (text, expected) => {
    expect(parseRangePoint(text, '--since', now)).toEqual(expected);
  });

  it.each(['', '0', '-5', 'yesterday', '15 minutes', '1e3', '2026-13-45T99:00:00Z', '9'.repeat(20), '99999999999d'])('given %j, is a usage error', (text) => {
    expect(() => parseRangePoint(text, '--since', now)).toThrow(UsageError);
  });

  it('given a sequence where a moment is needed (dead letters), is a usage error naming the option', () => {
    expect(() => parseMoment('12', '--since', now)).toThrow(/--since "12": expected an ISO-8601 time or an age/);
    expect(parseMoment('1h', '--since', now)).toEqual(new Date('2026-12-02T05:00:00Z'));
  });

  it('given --until before --since, is a usage error; the same point or later is a range', () => {
    expect(() => checkRange({ seq: 10 }, { seq: 9 })).toThrow(UsageError);
    expect(() => checkRange({ time: now }, { time: new Date(now.getTime() - 1) })).toThrow(/--until is before --since/);
    expect(() => checkRange({ seq: 10 }, { seq: 10 })).not.toThrow();
    expect(() => checkRange({ seq: 10 }, { time: now })).not.toThrow();
    expect(() => checkRange({ seq: 10 }, undefined)).not.toThrow();
  });
});
