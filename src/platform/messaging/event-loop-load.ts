import { Injectable } from '@nestjs/common';
import { EventLoopUtilization, performance } from 'node:perf_hooks';

/** How far back the busy share looks: long enough to smooth one slow callback, short enough to follow a burst. */
const WINDOW_MS = 200;

/**
 * The share of recent time the event loop spent running callbacks (Node's event-loop
 * utilization), over the last window, refreshed when asked at most every WINDOW_MS: no timer of its own.
 */
@Injectable()
export class EventLoopLoad {
  private since: EventLoopUtilization = performance.eventLoopUtilization();
  private sinceAt = performance.now();
  private last = 0;

  /** 0 (idle) to 1 (never idle) over about the last WINDOW_MS. */
  utilization(): number {
    const now = performance.now();
    if (now - this.sinceAt >= WINDOW_MS) {
      const current = performance.eventLoopUtilization();
      this.last = performance.eventLoopUtilization(current, this.since).utilization;
      this.since = current;
      this.sinceAt = now;
    }
    return this.last;
  }
}
