import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { contextOf, fromTraceparent, toTraceparent } from './trace-context';

describe('traceparent', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('reads a valid traceparent and writes it back the same', () => {
    const span = fromTraceparent(valid);
    expect(span).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    expect(toTraceparent(span!)).toBe(valid);
  });

  it.each([
    ['not a string', 42],
    ['garbage', '00-zz-zz-01'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['the forbidden version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['version 00 with extra fields', `${valid}-extra`],
    ['upper case', valid.toUpperCase()],
  ])('refuses %s', (_name, value) => {
    expect(fromTraceparent(value)).toBeUndefined();
    expect(contextOf(value)).toBe(ROOT_CONTEXT);
  });

  it('accepts a future version with extra fields, and writes version 00', () => {
    const span = fromTraceparent(`01-${valid.slice(3)}-more`);
    expect(span && toTraceparent(span)).toBe(valid);
  });

  it('gives a context whose parent is the traceparent', () => {
    expect(trace.getSpanContext(contextOf(valid))?.spanId).toBe('00f067aa0ba902b7');
    expect(context.active()).toBe(ROOT_CONTEXT);
  });
});
