import { performance } from 'node:perf_hooks';
import { sleep } from '../../backoff';
import { StreamTap, TappedEvent } from './event-taps';

/** A message the tap took: acked once recorded, or handed back for later. */
export interface TapMessage {
  event: TappedEvent;
  ack(): void;
  retryLater(delayMs: number, error: unknown): void;
}

const MAX_BATCH = 500;

/**
 * Group commit for a tap: messages queue while one batch is being recorded and go in the next,
 * so a tap catching up on a long stream writes hundreds per statement, and a live one writes
 * what came within `lingerMs` of its first event. A failed batch is handed back with a growing delay.
 */
export class TapBatcher {
  private queue: TapMessage[] = [];
  private draining?: Promise<void>;
  private failures = 0;

  /**
   * `yieldWhenFull`: after a full batch (a tap catching up on a long stream) it waits as long as
   * the batch took, so the replay takes at most about half of the process and the modules beside
   * it keep their pace.
   */
  constructor(
    private readonly tap: StreamTap,
    private readonly onError: (error: unknown, delayMs: number) => void,
    private readonly yieldWhenFull = false,
    private readonly lingerMs = 0,
  ) {}

  add(message: TapMessage): void {
    this.queue.push(message);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves when everything queued so far is recorded or handed back. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    if (this.lingerMs > 0) await sleep(this.lingerMs);
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const started = performance.now();
      try {
        await this.tap.record(batch.map((m) => m.event));
        this.failures = 0;
        for (const m of batch) m.ack();
        if (this.yieldWhenFull && batch.length === MAX_BATCH) await sleep(performance.now() - started);
      } catch (error) {
        const delayMs = Math.min(30_000, 250 * 2 ** Math.min(this.failures++, 7));
        this.onError(error, delayMs);
        for (const m of batch) m.retryLater(delayMs, error);
      }
    }
  }
}
