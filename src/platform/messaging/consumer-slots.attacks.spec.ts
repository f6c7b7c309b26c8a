import { performance } from 'node:perf_hooks';
import { AppConfig } from '../../config/app-config';
import { HttpLoad } from '../http/http-load';
import { ConsumerSlots } from './consumer-slots';
import { EventLoopLoad } from './event-loop-load';

/** ADVERSARY on ConsumerSlots (a review's attacks, kept): lost wake-ups, herd cost under big backlogs, timers, busy drift. */
const config = { database: { poolSize: 10 }, consumer: { concurrency: 32 } } as AppConfig;
const loopAt = (share: { value: number }) => ({ utilization: () => share.value }) as EventLoopLoad;
const internals = (s: ConsumerSlots) => s as unknown as { busy: Map<string, number>; waiters: Map<string, unknown[]>; rechecks: Map<string, unknown> };
const tick = () => new Promise((r) => setImmediate(r));

/** Counts take() calls (every wake of every waiter is one). */
function counting(s: ConsumerSlots) {
  const counter = { takes: 0 };
  const take = s.take.bind(s);
  s.take = (m: string, w: number) => (counter.takes++, take(m, w));
  return counter;
}

describe('adversary: ConsumerSlots', () => {
  it.each([1_000, 4_000])('herd: drains %i waiters (unthrottled, limit 8); reports take() calls and time', async (n) => {
    const s = new ConsumerSlots(config, new HttpLoad(), loopAt({ value: 0 }));
    const counter = counting(s);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => s.run('m', () => new Promise<void>((r) => setImmediate(r)))));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(`unthrottled n=${n}: ${counter.takes} take() calls (${(counter.takes / n).toFixed(0)} per delivery), ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`);
    expect(internals(s).busy.get('m')).toBe(0);
    // A FIFO hand-off needs ~2 take() per delivery; anything growing with n is the herd.
    expect(counter.takes).toBeLessThan(10 * n);
  });

  it.each([1_000, 4_000])('herd: drains %i waiters throttled to one (request open, loop at 1), real timers', async (n) => {
    const http = new HttpLoad();
    http.enter({}, '/orders');
    const s = new ConsumerSlots(config, http, loopAt({ value: 1 }));
    const counter = counting(s);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => s.run('m', () => new Promise<void>((r) => setImmediate(r)))));
    const ms = performance.now() - t0;
    console.log(`throttled n=${n}: ${counter.takes} take() calls (${(counter.takes / n).toFixed(0)} per delivery), ${ms.toFixed(0)} ms wall`);
    expect(counter.takes).toBeLessThan(10 * n);
  });

  it('10,000 throttled waiters, one delivery held forever: one timer, bounded re-checks, all start once the throttle lifts (fake timers)', async () => {
    jest.useFakeTimers();
    try {
      const http = new HttpLoad();
      const busy = { value: 1 };
      const req = {};
      http.enter(req, '/orders');
      const s = new ConsumerSlots(config, http, loopAt(busy));
      const counter = counting(s);
      expect(s.take('m', 1)).toBe(1); // held (row lock)
      let started = 0;
      const runs = Array.from({ length: 10_000 }, () => s.run('m', async () => void started++));
      for (let i = 0; i < 10; i++) {
        await jest.advanceTimersByTimeAsync(100);
        expect(jest.getTimerCount()).toBeLessThanOrEqual(1);
      }
      expect(started).toBe(0);
      console.log(`1 s throttled with 10,000 waiters: ${counter.takes} take() calls`);
      http.leave(req);
      busy.value = 0;
      await jest.advanceTimersByTimeAsync(100);
      await Promise.all(runs);
      expect(started).toBe(10_000);
      expect(internals(s).busy.get('m')).toBe(1);
      s.release('m');
      expect(internals(s).busy.get('m')).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('fuzz: throttle flips, holds, throws; no waiter is ever left with a slot free and nothing to wake it; busy never drifts', async () => {
    jest.useFakeTimers();
    try {
      let seed = 12345;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
      for (let round = 0; round < 200; round++) {
        const http = new HttpLoad();
        const busy = { value: 0 };
        const poolSize = 3 + Math.floor(rnd() * 8);
        const s = new ConsumerSlots({ database: { poolSize }, consumer: { concurrency: 32 } } as AppConfig, http, loopAt(busy));
        const reqs: object[] = [];
        const gates: { done: () => void; fail: () => void }[] = [];
        let settled = 0;
        let running = 0;
        let most = 0;
        const runs: Promise<unknown>[] = [];
        for (let step = 0; step < 300; step++) {
          const r = rnd();
          if (r < 0.3) {
            runs.push(
              s
                .run('m', () => {
                  running++;
                  most = Math.max(most, running);
                  if (rnd() < 0.1) {
                    running--;
                    throw new Error('sync throw');
                  }
                  return new Promise<void>((done, fail) => gates.push({ done, fail })).finally(() => running--);
                })
                .catch(() => undefined)
                .finally(() => settled++),
            );
          } else if (r < 0.45 && gates.length) gates.splice(Math.floor(rnd() * gates.length), 1)[0][rnd() < 0.2 ? 'fail' : 'done']();
          else if (r < 0.55) {
            const q = {};
            reqs.push(q);
            http.enter(q, '/x');
          } else if (r < 0.65 && reqs.length) http.leave(reqs.pop()!);
          else if (r < 0.75) busy.value = rnd() < 0.5 ? 1 : 0.2;
          else await jest.advanceTimersByTimeAsync(Math.floor(rnd() * 150));
          // Invariant at every quiescent point: a waiter only while busy >= the current limit, or a timer armed.
          await jest.advanceTimersByTimeAsync(0);
          const i = internals(s);
          const waiting = i.waiters.get('m')?.length ?? 0;
          const b = i.busy.get('m') ?? 0;
          expect(b).toBe(running);
          expect(b).toBeGreaterThanOrEqual(0);
          if (waiting > 0) {
            const throttled = http.busy && busy.value >= 0.95;
            const cur = throttled ? 1 : s.limit;
            expect(b >= cur || i.rechecks.has('m')).toBe(true);
          }
        }
        // Drain: lift the throttle, finish everything.
        while (reqs.length) http.leave(reqs.pop()!);
        busy.value = 0;
        for (let k = 0; k < 10_000 && settled < runs.length; k++) {
          while (gates.length) gates.shift()!.done();
          await jest.advanceTimersByTimeAsync(100);
        }
        expect(settled).toBe(runs.length);
        expect(internals(s).busy.get('m') ?? 0).toBe(0);
        expect(most).toBeLessThanOrEqual(s.limit);
      }
    } finally {
      jest.useRealTimers();
    }
  });

  it('release of more than taken is refused: the slots still running stay counted', () => {
    const s = new ConsumerSlots(config, new HttpLoad(), loopAt({ value: 0 }));
    expect(s.take('m', 8)).toBe(8);
    expect(() => s.release('m', 20)).toThrow(/releasing 20 slots of m, which has 8 taken/);
    expect(internals(s).busy.get('m')).toBe(8);
    expect(s.take('m', 8)).toBe(0);
  });

  it('EventLoopLoad after onModuleDestroy reads idle, not its last hot figure (deliveries draining at shutdown are not held back)', async () => {
    const load = new EventLoopLoad();
    load.utilization();
    for (let i = 0; i < 4; i++) {
      const until = performance.now() + 100;
      while (performance.now() < until);
      await tick();
    }
    const hot = load.utilization();
    load.onModuleDestroy();
    await new Promise((r) => setTimeout(r, 500));
    console.log(`reading before destroy ${hot.toFixed(2)}, 500 ms idle after destroy ${load.utilization().toFixed(2)}`);
    expect(load.utilization()).toBeLessThan(0.95);
  });
});
