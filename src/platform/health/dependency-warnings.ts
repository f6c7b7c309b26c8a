import { Logger } from '@nestjs/common';

/**
 * Logs why a dependency is down at most once per interval per dependency, and once when it is
 * back: a probe every second must not flood the log, and the error text goes here, not to the caller.
 */
export class DependencyWarnings {
  private readonly lastWarnedAt = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  down(name: string, error: unknown): void {
    const last = this.lastWarnedAt.get(name);
    if (last !== undefined && this.now() - last < this.intervalMs) return;
    this.lastWarnedAt.set(name, this.now());
    this.logger.warn(`${name} is down: ${error instanceof Error ? error.message : String(error)}`);
  }

  up(name: string): void {
    if (this.lastWarnedAt.delete(name)) this.logger.log(`${name} is back`);
  }
}
