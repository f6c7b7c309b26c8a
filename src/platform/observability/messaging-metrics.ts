import { Counter, Gauge, register } from 'prom-client';

/** One metric per name in the process-wide registry, however many applications the process hosts (tests). */
function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames });
}

/** The latest backlog an outbox's sampler saw (OutboxBacklog); undefined before its first sample. */
export interface BacklogSample {
  readonly module: string;
  readonly latest: number | undefined;
  /** When the oldest unpublished row was written; null when none waits, undefined before the first sample. */
  readonly oldestAt?: Date | null;
}

export const backlogSamples = new Set<BacklogSample>();

export const relayEvents = counter('shop_outbox_events_total', 'Outbox rows handled by this process\'s relays', ['module', 'result']);
/** Groups of deliveries sharing a transaction (GroupedDeliveries): `together` committed as one, `alone` fell back. */
export const deliveryGroups = counter('shop_consumer_groups_total', 'Groups of two or more deliveries of one durable run in one transaction, by whether they committed together or each ran alone', ['consumer', 'outcome']);

export const consumedEvents = counter('shop_consumer_events_total', 'Deliveries handled by this process\'s consumers', ['consumer', 'outcome']);

if (!register.getSingleMetric('shop_outbox_unpublished')) {
  new Gauge({
    name: 'shop_outbox_unpublished',
    help: 'Rows waiting in each outbox of this process\'s relays (the relay lag), sampled every few seconds, capped',
    labelNames: ['module'],
    // A scrape reads memory only: the relays' samplers run the (bounded) query every few seconds.
    collect() {
      this.reset();
      for (const sample of backlogSamples) if (sample.latest !== undefined) this.set({ module: sample.module }, sample.latest);
    },
  });
}
