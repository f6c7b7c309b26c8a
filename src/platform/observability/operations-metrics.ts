import { Gauge, Histogram, register } from 'prom-client';
import { backlogSamples } from './messaging-metrics';

export interface ConsumerLag {
  stream: string;
  durable: string;
  consumer: string;
  pending: number;
  ackPending: number;
}

/** What a process's OperationsSampler saw last, per module and per durable consumer. */
export interface OperationsSample {
  readonly deadLetters: ReadonlyMap<string, number>;
  /** By `stream/durable`. */
  readonly consumers: ReadonlyMap<string, ConsumerLag>;
}

export const operationsSamples = new Set<OperationsSample>();

/** One metric per name in the process-wide registry, however many applications the process hosts (tests). */
function once<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

// Every gauge below reads memory at scrape time: samplers query the database and JetStream on their own clock.
once(
  'shop_outbox_oldest_unpublished_age_seconds',
  () =>
    new Gauge({
      name: 'shop_outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest unpublished outbox row of each module (0 when none waits), from the relay\'s backlog sampler',
      labelNames: ['module'],
      collect() {
        this.reset();
        for (const s of backlogSamples) {
          if (s.oldestAt === undefined) continue;
          this.set({ module: s.module }, s.oldestAt ? Math.max(0, (Date.now() - s.oldestAt.getTime()) / 1000) : 0);
        }
      },
    }),
);

once(
  'shop_dead_letters',
  () =>
    new Gauge({
      name: 'shop_dead_letters',
      help: 'Open (not retried) dead letters of each module this process runs, sampled every few seconds, capped',
      labelNames: ['module'],
      collect() {
        this.reset();
        for (const s of operationsSamples) for (const [module, n] of s.deadLetters) this.set({ module }, n);
      },
    }),
);

const consumerGauge = (name: string, help: string, pick: (c: ConsumerLag) => number) =>
  once(
    name,
    () =>
      new Gauge({
        name,
        help,
        labelNames: ['stream', 'durable', 'consumer'],
        collect() {
          this.reset();
          for (const s of operationsSamples) for (const c of s.consumers.values()) this.set({ stream: c.stream, durable: c.durable, consumer: c.consumer }, pick(c));
        },
      }),
  );

consumerGauge('shop_consumer_pending', 'Messages of the stream not yet delivered to each durable consumer (JetStream num_pending): the consumer lag', (c) => c.pending);
consumerGauge('shop_consumer_ack_pending', 'Messages delivered to each durable consumer and not acked yet (JetStream num_ack_pending)', (c) => c.ackPending);

/** Time from handing a claimed batch to the publisher until every PubAck (or failure) is in. */
export const relayPublishSeconds = once(
  'shop_relay_publish_seconds',
  () =>
    new Histogram({
      name: 'shop_relay_publish_seconds',
      help: 'Relay publish latency: one claimed batch handed to the broker until all its PubAcks are in',
      labelNames: ['module'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
);
