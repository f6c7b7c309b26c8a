import { Injectable } from '@nestjs/common';

/** Long-lived streams (the /flow page's live events) are not requests being answered. */
const STREAMS = ['/flow/events'];

/**
 * Requests the HTTP server is answering now. Consumers read it to give way: a shop taking
 * orders answers its customers first, and the saga behind them catches up a moment later.
 * Each request is counted once and let go once, whether it was answered or its client went away;
 * one let go before it was counted (its client left while its body came in) is never counted.
 */
@Injectable()
export class HttpLoad {
  private inFlight = 0;
  private readonly counted = new WeakSet<object>();
  private readonly gone = new WeakSet<object>();

  enter(request: object, url: string): void {
    if (this.gone.has(request) || this.counted.has(request)) return;
    if (STREAMS.some((path) => url.startsWith(path))) return;
    this.counted.add(request);
    this.inFlight++;
  }

  leave(request: object): void {
    if (!this.counted.delete(request)) {
      this.gone.add(request);
      return;
    }
    this.inFlight--;
  }

  /** Requests counted now (tests and the adversary suite read it). */
  get requests(): number {
    return this.inFlight;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }
}
