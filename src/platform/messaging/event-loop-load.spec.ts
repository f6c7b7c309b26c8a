import { EventLoopLoad } from './event-loop-load';

const spin = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};
const idle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EventLoopLoad', () => {
  it('reads near 1 after a window spent running a callback, near 0 after one spent waiting', async () => {
    const load = new EventLoopLoad();
    spin(250);
    expect(load.utilization()).toBeGreaterThan(0.9);
    await idle(300);
    expect(load.utilization()).toBeLessThan(0.5);
  });

  it('keeps its figure within a window: asked again at once, it answers the same', () => {
    const load = new EventLoopLoad();
    spin(250);
    const first = load.utilization();
    expect(load.utilization()).toBe(first);
  });
});
