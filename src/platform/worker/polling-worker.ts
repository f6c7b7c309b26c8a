import { Logger } from '@nestjs/common';
import { backoffMs } from '../backoff';

export interface RoundOutcome {
  handled: number;
  full: boolean;
}

export interface PollingWorkerOptions {
  name: string;
  /** One round of work: how many items it handled, and whether it stopped at its limit (more may wait). */
  round: () => Promise<RoundOutcome>;
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
    let woken = false;
    while (this.running) {
      try {
        this.wakePending = false;
        const { handled, full } = await this.options.round();
        failures = 0;
        if (full) {
          idleMs = this.options.pollMinMs;
          continue;
        }
        // Work a wake found is a local commit's: it says nothing of the rest, so the poll keeps
        // backing off (a round at once after each one was an empty claim per wake). Work the poll
        // found came from elsewhere (another process, a claim run out, a retry come due): poll
        // fast while it lasts.
        idleMs = handled > 0 && !woken ? this.options.pollMinMs : Math.min(idleMs * 2, this.options.pollMaxMs);
        woken = await this.idle(idleMs);
      } catch (error) {
        const delay = backoffMs(++failures, 100, 5_000);
        this.logger.warn(`round failed (${(error as Error).message}); again in ${delay} ms`);
        woken = await this.idle(delay);
      }
    }
  }

  /** Resolves true when a wake ended the wait, false when the time ran out. */
  private idle(ms: number): Promise<boolean> {
    if (!this.running) return Promise.resolve(false);
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        const index = this.sleepers.indexOf(wake);
        if (index >= 0) this.sleepers.splice(index, 1);
        resolve(woken);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.sleepers.push(wake);
    });
  }
}
