/**
 * Best-effort writes in groups: items queue while one group is written and go in the next; a
 * group starts `lingerMs` after its first item, so a busy shop writes a few rows per statement
 * rather than a statement per row. Bounded: past `cap` waiting items (the database away a long
 * time), the oldest are dropped.
 */
export class GroupWriter<T> {
  private queue: T[] = [];
  private writing?: Promise<void>;
  dropped = 0;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly onError: (error: unknown, lost: number) => void,
    private readonly cap = 10_000,
    private readonly lingerMs = 0,
  ) {}

  add(item: T): void {
    this.queue.push(item);
    if (this.queue.length > this.cap) this.dropped += this.queue.splice(0, this.queue.length - this.cap).length;
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
  }

  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    if (this.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, 1_000);
      try {
        await this.write(group);
      } catch (error) {
        this.onError(error, group.length);
      }
    }
  }
}
