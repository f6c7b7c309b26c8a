import { Injectable } from '@nestjs/common';
import { ModuleRegistry } from '../../../platform/messaging/module-registry';
import { backlogSamples } from '../../../platform/observability/messaging-metrics';

export interface ModuleFigures {
  module: string;
  /** Outbox rows waiting for the relay (the relay's own sample, every 2 s); null where no relay of this process runs it. */
  outboxLag: number | null;
  /** Parked events not retried yet; null where this process does not run the module. */
  deadLetters: number | null;
}

/** Counted at most this often, whatever the number of pages open. */
const FRESH_MS = 2_000;
const DEAD_LETTER_CAP = 10_000;

/**
 * The per-module figures of /flow: this process's relays' backlog samples (memory, no query)
 * and its modules' dead letters, through the platform's registry (activity imports no module).
 */
@Injectable()
export class FlowFigures {
  private cached?: { at: number; figures: Promise<ModuleFigures[]> };

  constructor(private readonly registry: ModuleRegistry) {}

  figures(modules: readonly string[]): Promise<ModuleFigures[]> {
    if (!this.cached || Date.now() - this.cached.at > FRESH_MS) {
      const figures = this.count(modules);
      this.cached = { at: Date.now(), figures };
      figures.catch(() => (this.cached = undefined));
    }
    return this.cached.figures;
  }

  private async count(modules: readonly string[]): Promise<ModuleFigures[]> {
    const lag = new Map([...backlogSamples].map((s) => [s.module, s.latest ?? null]));
    return Promise.all(
      modules.map(async (module) => ({
        module,
        outboxLag: lag.get(module) ?? null,
        deadLetters: this.registry.has(module) ? await this.registry.get(module).deadLetters.countOpen(DEAD_LETTER_CAP).catch(() => null) : null,
      })),
    );
  }
}
