import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { HttpLoad } from '../http/http-load';
import { EventLoopLoad, LOAD_WINDOW_MS } from './event-loop-load';

/** Connections a module's pool keeps for its relay and its HTTP requests while its consumers are busy. */
export const POOL_RESERVE = 2;
/** Deliveries per module while the HTTP server answers requests and the process is short of CPU. */
export const WHILE_HTTP_BUSY = 1;
/**
 * The event loop's busy share from which requests being answered make the consumers give way:
 * only a loop with no time to spare. Below it the loop has room for both, and holding the saga
 * back only queued it (given way whenever a request was open, the inventory module's deliveries,
 * one at a time, put place → CONFIRMED at p50 450–920 ms at 80–100 orders/s against 100–190 ms
 * with all of them running; README, seventh round).
 */
export const GIVE_WAY_ABOVE = 0.95;

/**
 * In-flight deliveries per consuming module, never more than its pool serves: each delivery holds
 * one connection for its transaction, so more would only wait for a connection (and time out).
 */
@Injectable()
export class ConsumerSlots {
  private readonly busy = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  readonly limit: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() private readonly http?: HttpLoad,
    @Optional() private readonly loop: EventLoopLoad = new EventLoopLoad(),
  ) {
    this.limit = Math.max(1, Math.min(config.consumer.concurrency, config.database.poolSize - POOL_RESERVE));
  }

  /**
   * While requests are being answered on a loop with no time to spare, each module runs one
   * delivery at a time: customers first, and never none, so the saga never stops.
   */
  private get current(): number {
    return this.http?.busy && this.loop.utilization() >= GIVE_WAY_ABOVE ? Math.min(this.limit, WHILE_HTTP_BUSY) : this.limit;
  }

  /** Takes up to `wanted` slots without waiting; returns how many it took. */
  take(module: string, wanted: number): number {
    const taken = Math.max(0, Math.min(wanted, this.current - (this.busy.get(module) ?? 0)));
    this.busy.set(module, (this.busy.get(module) ?? 0) + taken);
    return taken;
  }

  /** `take`, behind the module's waiters: none while any waits. */
  takeFree(module: string, wanted: number): number {
    return this.waiters.has(module) ? 0 : this.take(module, wanted);
  }

  /** Gives back slots taken; more than are taken is a caller's bug, and would let the pool be overrun. */
  release(module: string, count = 1): void {
    if (count <= 0) return;
    const busy = this.busy.get(module) ?? 0;
    if (count > busy) throw new Error(`releasing ${count} slots of ${module}, which has ${busy} taken`);
    this.busy.set(module, busy - count);
    this.grant(module);
  }

  /**
   * Hands free slots to the longest waiters, in order. Woken all at once, every release made each
   * waiter try again: draining 10,000 cost 50M tries and 43 s of CPU, enough to throttle the loop
   * by itself. While the throttle holds the module back, one re-check per module after a window:
   * the limit also rises without a release (requests answered, the loop calmer), and woken only by
   * releases, a delivery held up (a row lock) kept the module's others waiting.
   */
  private grant(module: string): void {
    const queue = this.waiters.get(module);
    if (!queue) return;
    const current = this.current;
    const n = Math.max(0, Math.min(queue.length, current - (this.busy.get(module) ?? 0)));
    if (n > 0) {
      this.busy.set(module, (this.busy.get(module) ?? 0) + n);
      queue.splice(0, n).forEach((granted) => granted());
    }
    if (queue.length === 0) this.waiters.delete(module);
    else if (current < this.limit && !this.rechecks.has(module)) {
      // Held back by the throttle: the limit rises without a release, so look again after a window.
      this.rechecks.set(module, setTimeout(() => (this.rechecks.delete(module), this.grant(module)), LOAD_WINDOW_MS).unref());
    }
  }

  /** Resolves with a slot taken for the caller: at once if one is free and nobody waits, else in turn. */
  private acquire(module: string): Promise<void> {
    if (!this.waiters.has(module) && this.take(module, 1) === 1) return Promise.resolve();
    return new Promise((resolve) => {
      const queue = this.waiters.get(module);
      if (queue) queue.push(resolve);
      else this.waiters.set(module, [resolve]);
      this.grant(module);
    });
  }

  /** Runs `work` in one slot, waiting for it. */
  async run<T>(module: string, work: () => Promise<T>): Promise<T> {
    await this.acquire(module);
    try {
      return await work();
    } finally {
      this.release(module);
    }
  }
}
