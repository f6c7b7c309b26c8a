import { Logger } from '@nestjs/common';
import { OutboxStore } from './outbox-store';

export interface Retention {
  outboxMs: number;
  inboxMs: number;
  pruneIntervalMs: number;
}

/** Drops published outbox rows and inbox entries past retention, at most every `pruneIntervalMs`. */
export class OutboxPruner {
  private lastPrune = Date.now();

  constructor(
    private readonly store: OutboxStore,
    private readonly retention: Retention,
    private readonly logger: Logger,
  ) {}

  async pruneWhenDue(): Promise<void> {
    if (Date.now() - this.lastPrune < this.retention.pruneIntervalMs) return;
    this.lastPrune = Date.now();
    try {
      const rows = await this.store.prunePublished(this.retention.outboxMs);
      const entries = await this.store.pruneInbox(this.retention.inboxMs);
      if (rows + entries > 0) this.logger.log(`pruned ${rows} published outbox rows, ${entries} inbox entries`);
    } catch (error) {
      this.logger.warn(`pruning failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
