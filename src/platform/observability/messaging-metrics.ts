import { Counter, Gauge, register } from 'prom-client';

/** One metric per name in the process-wide registry, however many applications the process hosts (tests). */
function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames });
}

/** What the backlog gauge reads: the modules of a running application (no import of the registry: no cycle). */
export interface WatchedModules {
  all(): { name: string; outboxStore: { countUnpublished(): Promise<number> } }[];
}

export const watchedModules = new Set<WatchedModules>();

export const relayEvents = counter('shop_outbox_events_total', 'Outbox rows handled by this process\'s relays', ['module', 'result']);
export const consumedEvents = counter('shop_consumer_events_total', 'Deliveries handled by this process\'s consumers', ['consumer', 'outcome']);

if (!register.getSingleMetric('shop_outbox_unpublished')) {
  new Gauge({
    name: 'shop_outbox_unpublished',
    help: 'Rows waiting in each outbox of this process\'s modules (the relay lag)',
    labelNames: ['module'],
    async collect() {
      this.reset();
      for (const registry of watchedModules) {
        for (const module of registry.all()) {
          const waiting = await module.outboxStore.countUnpublished().catch(() => undefined);
          if (waiting !== undefined) this.set({ module: module.name }, waiting);
        }
      }
    },
  });
}
