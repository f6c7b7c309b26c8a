import { AsyncResource } from 'node:async_hooks';

/**
 * Writes in groups: items queue while one group is written and go in the next; a group starts
 * `lingerMs` after its first item, so a busy shop writes a few rows per statement rather than a
 * statement per row. Best effort, for writes whose loss is repaired otherwise (an activity row, an
 * e-mail's "sent" mark whose claim runs out): a failed group is reported, not retried. Bounded:
 * past `cap` waiting items (the database away a long time), the oldest are dropped and reported.
 *
 * The groups are written in the async context the writer was made in, never in that of whichever
 * item came first: its trace, message context or transaction are not the group's.
 */
export class GroupWriter<T> {
  private queue: [T, (written: boolean) => void][] = [];
  private writing?: Promise<void>;
  private readonly scope = new AsyncResource('GroupWriter');
  dropped = 0;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly onError: (error: unknown, lost: number) => void,
    private readonly cap = 10_000,
    private readonly lingerMs = 0,
    private readonly maxGroup = 1_000,
  ) {}

  /** Resolves once its group is written (true), failed or it was dropped (false); never rejects. */
  add(item: T): Promise<boolean> {
    const written = new Promise<boolean>((resolve) => this.queue.push([item, resolve]));
    if (this.queue.length > this.cap) {
      const gone = this.queue.splice(0, this.queue.length - this.cap);
      this.dropped += gone.length;
      this.onError(new Error(`more than ${this.cap} items waiting: the oldest dropped`), gone.length);
      for (const [, settle] of gone) settle(false);
    }
    this.start();
    return written;
  }

  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Takes back the items not yet in a group (their adds resolve false); the group being written goes on. */
  takeWaiting(): T[] {
    const waiting = this.queue.splice(0);
    for (const [, settle] of waiting) settle(false);
    return waiting.map(([item]) => item);
  }

  private start(): void {
    this.writing ??= this.scope
      .runInAsyncScope(() => this.drain())
      .finally(() => {
        this.writing = undefined;
        // An item added after the last group was taken, before this ran, would wait for the next add.
        if (this.queue.length > 0) this.start();
      });
  }

  private async drain(): Promise<void> {
    if (this.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxGroup);
      let written = true;
      try {
        await this.write(group.map(([item]) => item));
      } catch (error) {
        written = false;
        this.onError(error, group.length);
      }
      for (const [, settle] of group) settle(written);
    }
  }
}
