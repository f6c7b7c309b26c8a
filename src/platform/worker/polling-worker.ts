import { Logger } from '@nestjs/common';
import { backoffMs } from '../backoff';

export interface PollingWorkerOptions {
  name: string;
  /** One round of work; returns how many items it handled (0: nothing to do). */
  round: () => Promise<number>;
  pollMinMs: number;
  pollMaxMs: number;
  /**
   * Rounds that may run at once (default 1). Only for rounds that claim their work (SKIP LOCKED,
   * a claim lease): a wake then starts a round at once instead of queueing behind a slow one.
   */
  lanes?: number;
}

/**
 * A module's background loop (its charges, its e-mails, its deadlines): runs rounds while
 * there is work, then polls adaptively; `wake` after a local commit skips the wait (of one idle
 * lane). A failing round (database away) backs off and tries again; it never stops the loop.
 */
export class PollingWorker {
  private readonly logger: Logger;
  private running = false;
  private done: Promise<unknown> = Promise.resolve();
  private wakePending = false;
  private readonly sleepers: (() => void)[] = [];

  constructor(private readonly options: PollingWorkerOptions) {
    this.logger = new Logger(options.name);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = Promise.all(Array.from({ length: Math.max(1, this.options.lanes ?? 1) }, () => this.loop()));
  }

  /** Lets the rounds in flight finish, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.sleepers.splice(0).forEach((wake) => wake());
    await this.done;
  }

  /** Wakes one idle lane; with none idle, the next lane to finish its round goes again at once. */
  wake(): void {
    const sleeper = this.sleepers.shift();
    if (sleeper) sleeper();
    else this.wakePending = true;
  }

  private async loop(): Promise<void> {
    let idleMs = this.options.pollMinMs;
    let failures = 0;
    while (this.running) {
      try {
        this.wakePending = false;
        const handled = await this.options.round();
        failures = 0;
        idleMs = handled > 0 ? this.options.pollMinMs : Math.min(idleMs * 2, this.options.pollMaxMs);
        if (handled > 0) continue;
        await this.idle(idleMs);
      } catch (error) {
        const delay = backoffMs(++failures, 100, 5_000);
        this.logger.warn(`round failed (${(error as Error).message}); again in ${delay} ms`);
        await this.idle(delay);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const index = this.sleepers.indexOf(done);
        if (index >= 0) this.sleepers.splice(index, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.push(done);
    });
  }
}
