import { backlogSamples, BacklogSample } from '../observability/messaging-metrics';
import { OutboxStore } from './outbox-store';

/** Often enough for an alert on the relay lag, rare enough to cost nothing. */
export const BACKLOG_SAMPLE_MS = 2_000;
/** Past this many waiting rows the exact number no longer matters; the count stays cheap. */
export const BACKLOG_CAP = 100_000;

/**
 * The relay's view of its outbox backlog for `shop_outbox_unpublished` and
 * `shop_outbox_oldest_unpublished_age_seconds`: one bounded count and one index read every few
 * seconds, so a Prometheus scrape reads memory and never queries a big outbox itself.
 */
export class OutboxBacklog implements BacklogSample {
  latest: number | undefined;
  oldestAt: Date | null | undefined;
  private timer?: NodeJS.Timeout;
  private sampling = false;

  constructor(
    private readonly store: OutboxStore,
    readonly module: string,
    private readonly intervalMs = BACKLOG_SAMPLE_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    backlogSamples.add(this);
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    backlogSamples.delete(this);
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      this.latest = await this.store.countUnpublished(BACKLOG_CAP);
      this.oldestAt = this.latest === 0 ? null : await this.store.oldestUnpublishedAt();
    } catch {
      // The database is down: the relay and /health say so; the gauge keeps its last value.
    } finally {
      this.sampling = false;
    }
  }
}
