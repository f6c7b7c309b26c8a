import { Injectable } from '@nestjs/common';

/** Long-lived streams (the /flow page's live events) are not requests being answered. */
const STREAMS = ['/flow/events'];

/**
 * Requests the HTTP server is answering now. Consumers read it to give way: a shop taking
 * orders answers its customers first, and the saga behind them catches up a moment later.
 * Each request is counted once and let go once, whether it was answered or aborted.
 */
@Injectable()
export class HttpLoad {
  private inFlight = 0;
  private readonly counted = new WeakSet<object>();

  enter(request: object, url: string): void {
    if (STREAMS.some((path) => url.startsWith(path))) return;
    this.counted.add(request);
    this.inFlight++;
  }

  leave(request: object): void {
    if (!this.counted.delete(request)) return;
    this.inFlight--;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }
}
