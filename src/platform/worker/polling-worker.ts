import { Logger } from '@nestjs/common';
import { backoffMs } from '../backoff';

export interface PollingWorkerOptions {
  name: string;
  /** One round of work; returns how many items it handled (0: nothing to do). */
  round: () => Promise<number>;
  pollMinMs: number;
  pollMaxMs: number;
}

/**
 * A module's background loop (its charges, its e-mails, its deadlines): runs rounds while
 * there is work, then polls adaptively; `wake` after a local commit skips the wait. A failing
 * round (database away) backs off and tries again; it never stops the loop.
 */
export class PollingWorker {
  private readonly logger: Logger;
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private wakePending = false;
  private wakeUp?: () => void;

  constructor(private readonly options: PollingWorkerOptions) {
    this.logger = new Logger(options.name);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loop();
  }

  /** Lets the round in flight finish, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.done;
  }

  wake(): void {
    this.wakePending = true;
    this.wakeUp?.();
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
    if (!this.running || this.wakePending) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}
