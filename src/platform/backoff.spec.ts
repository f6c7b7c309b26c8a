import { backoffMs } from './backoff';

describe('backoffMs', () => {
  it('doubles from the base and stays within [ceiling/2, ceiling]', () => {
    expect(backoffMs(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffMs(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffMs(4, 100, 10_000, () => 1)).toBe(800);
  });

  it('never passes the cap', () => {
    expect(backoffMs(30, 100, 5_000, () => 1)).toBe(5_000);
  });
});
