import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { EventLoopUtilization, performance } from 'node:perf_hooks';

/** How far back the busy share looks: long enough to smooth one slow callback, short enough to follow a burst. */
export const LOAD_WINDOW_MS = 100;

/**
 * The share of the last window the event loop spent running callbacks (Node's event-loop
 * utilization). Sampled by a timer of its own from the first question on: read only when asked,
 * the first figure of a burst averaged the quiet time before it and said "idle" for a while.
 */
@Injectable()
export class EventLoopLoad implements OnModuleDestroy {
  private previous?: EventLoopUtilization;
  private sampler?: NodeJS.Timeout;
  private last = 0;
  private stopped = false;

  /** 0 (idle) to 1 (never idle) over the last window; 0 until the first window has passed. */
  utilization(): number {
    if (this.stopped) return 0;
    this.sampler ??= this.start();
    return this.last;
  }

  /** Stops sampling; a stopped sampler's last figure would hold the consumers back while they drain. */
  onModuleDestroy(): void {
    this.stopped = true;
    clearInterval(this.sampler);
  }

  private start(): NodeJS.Timeout {
    this.previous = performance.eventLoopUtilization();
    return setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.last = performance.eventLoopUtilization(now, this.previous).utilization;
      this.previous = now;
    }, LOAD_WINDOW_MS).unref();
  }
}
