import { AppConfig } from '../../config/app-config';
import { HttpLoad } from '../http/http-load';
import { ConsumerSlots, GIVE_WAY_ABOVE } from './consumer-slots';
import { EventLoopLoad } from './event-loop-load';

const slots = (poolSize: number, concurrency: number) =>
  new ConsumerSlots({ database: { poolSize }, consumer: { concurrency } } as AppConfig);

describe('ConsumerSlots', () => {
  /** An event loop as busy as the test says. */
  const loopAt = (share: { value: number }) => ({ utilization: () => share.value }) as EventLoopLoad;

  it('given requests being answered on a loop busy 95% of the time or more, lets one delivery of each module run, and all again once they are answered', () => {
    const http = new HttpLoad();
    const s = new ConsumerSlots({ database: { poolSize: 10 }, consumer: { concurrency: 32 } } as AppConfig, http, loopAt({ value: 0.95 }));
    const request = {};
    http.enter(request, '/orders');
    expect(s.take('orders', 32)).toBe(1);
    expect(s.take('payments', 32)).toBe(1);
    expect(s.take('orders', 1)).toBe(0);
    http.leave(request);
    expect(s.take('orders', 32)).toBe(7);
  });

  it('given requests being answered on a loop with time to spare, holds nothing back; once the loop is short of time, takes no more than one', () => {
    const http = new HttpLoad();
    const busy = { value: 0.5 };
    const s = new ConsumerSlots({ database: { poolSize: 10 }, consumer: { concurrency: 32 } } as AppConfig, http, loopAt(busy));
    http.enter({}, '/orders');
    expect(s.take('orders', 5)).toBe(5);
    busy.value = GIVE_WAY_ABOVE;
    // Five run already: none more until they are down to one.
    expect(s.take('orders', 32)).toBe(0);
    expect(s.take('payments', 32)).toBe(1);
  });

  it('given a delivery waiting behind the throttle, starts it once the requests are answered, with the one before it still running', async () => {
    const http = new HttpLoad();
    const s = new ConsumerSlots({ database: { poolSize: 10 }, consumer: { concurrency: 32 } } as AppConfig, http, loopAt({ value: 1 }));
    const request = {};
    http.enter(request, '/orders');
    expect(s.take('inventory', 1)).toBe(1);
    let started = false;
    const waiting = s.run('inventory', async () => {
      started = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBe(false);
    // No release: the first delivery is held (a row lock, say). The limit rises with the requests answered.
    http.leave(request);
    await waiting;
    expect(started).toBe(true);
  });

  it('given a backlog of waiting deliveries, keeps at most one re-check timer per module, and none unless the throttle holds it back', async () => {
    jest.useFakeTimers();
    try {
      const http = new HttpLoad();
      const busy = { value: 0 };
      const s = new ConsumerSlots({ database: { poolSize: 10 }, consumer: { concurrency: 32 } } as AppConfig, http, loopAt(busy));
      const gates: (() => void)[] = [];
      const runs = Array.from({ length: 1_000 }, () => s.run('probe', () => new Promise<void>((done) => gates.push(done))));
      await Promise.resolve();
      expect(gates).toHaveLength(8);
      // Every slot taken, nothing throttled: a release will come, no timer is needed.
      expect(jest.getTimerCount()).toBe(0);
      const request = {};
      http.enter(request, '/orders');
      busy.value = 1;
      for (let round = 0; round < 20; round++) {
        gates.shift()!();
        await jest.advanceTimersByTimeAsync(10);
        expect(jest.getTimerCount()).toBeLessThanOrEqual(1);
      }
      http.leave(request);
      busy.value = 0;
      while (gates.length) {
        gates.shift()!();
        await jest.advanceTimersByTimeAsync(100);
      }
      await Promise.all(runs);
    } finally {
      jest.useRealTimers();
    }
  });

  it('given a pool of 10, lets 8 deliveries of a module run at once (2 connections kept for the relay and HTTP)', () => {
    const s = slots(10, 32);
    expect(s.take('orders', 32)).toBe(8);
    expect(s.take('orders', 1)).toBe(0);
    expect(s.take('payments', 3)).toBe(3);
  });

  it('given a low concurrency setting, that is the limit', () => {
    expect(slots(10, 4).take('orders', 32)).toBe(4);
  });

  it('given every slot busy, run waits until one is released', async () => {
    const s = slots(3, 32);
    expect(s.take('orders', 5)).toBe(1);
    let ran = false;
    const waiting = s.run('orders', async () => {
      ran = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(ran).toBe(false);
    s.release('orders');
    await waiting;
    expect(ran).toBe(true);
  });
});
