import { EventLoopLoad, LOAD_WINDOW_MS } from './event-loop-load';

const spin = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};
const idle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EventLoopLoad', () => {
  const load = new EventLoopLoad();
  afterAll(() => load.onModuleDestroy());

  it('reads near 1 after a window spent running callbacks, near 0 after one spent waiting', async () => {
    expect(load.utilization()).toBe(0);
    await idle(LOAD_WINDOW_MS * 3);
    expect(load.utilization()).toBeLessThan(0.5);
    // Busy in slices, so the sampler's ticks run between them.
    for (let i = 0; i < 6; i++) {
      spin(LOAD_WINDOW_MS);
      await new Promise((r) => setImmediate(r));
    }
    expect(load.utilization()).toBeGreaterThan(0.8);
  });

  it('given a long quiet time before a burst, reads the burst, not the average since the last question', async () => {
    await idle(1_000);
    for (let i = 0; i < 4; i++) {
      spin(LOAD_WINDOW_MS);
      await new Promise((r) => setImmediate(r));
    }
    expect(load.utilization()).toBeGreaterThan(0.8);
  });
});
