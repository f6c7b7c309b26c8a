import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { producerOf } from '../../contracts/event-contract';
import { EventDispatcher } from '../messaging/event-dispatcher';
import { JetStreamProvisioner } from '../messaging/jetstream-provisioner';
import { ModuleRegistry } from '../messaging/module-registry';
import { NatsConnectionProvider } from '../messaging/nats-connection';
import { ConsumerLag, OperationsSample, operationsSamples } from './operations-metrics';

/** Often enough for an alert, rare enough to cost nothing (one capped count and one consumer info each). */
export const OPERATIONS_SAMPLE_MS = 2_000;
/** Past this many open dead letters the exact number no longer matters. */
const DEAD_LETTER_CAP = 10_000;

/**
 * Samples, on its own clock, what the operations gauges show: open dead letters of each module
 * this process runs, and the lag (num_pending, num_ack_pending) of each durable consumer it pulls
 * from. A scrape then reads memory only. A figure that cannot be read keeps its last value.
 */
@Injectable()
export class OperationsSampler implements OperationsSample, OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly deadLetters = new Map<string, number>();
  readonly consumers = new Map<string, ConsumerLag>();
  private timer?: NodeJS.Timeout;
  private sampling = false;

  constructor(
    private readonly modules: ModuleRegistry,
    private readonly dispatcher: EventDispatcher,
    @Optional() private readonly provisioner?: JetStreamProvisioner,
    @Optional() private readonly nats?: NatsConnectionProvider,
  ) {}

  onApplicationBootstrap(): void {
    operationsSamples.add(this);
    this.timer = setInterval(() => void this.sample(), OPERATIONS_SAMPLE_MS);
    this.timer.unref();
    void this.sample();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    operationsSamples.delete(this);
  }

  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      // Database or broker away (or closing): the gauges keep their last values; /health says why.
      await Promise.all([this.sampleDeadLetters(), this.sampleConsumers().catch(() => undefined)]);
    } finally {
      this.sampling = false;
    }
  }

  private async sampleDeadLetters(): Promise<void> {
    for (const module of this.modules.all()) {
      const open = await module.deadLetters.countOpen(DEAD_LETTER_CAP).catch(() => undefined);
      if (open !== undefined) this.deadLetters.set(module.name, open);
    }
  }

  /** The durables this process pulls from: one per (consumer, type) its listeners registered (JetStreamServer). */
  private async sampleConsumers(): Promise<void> {
    if (!this.provisioner || !this.nats || !(await this.nats.isConnected())) return;
    const jsm = await (await this.nats.get()).jetstreamManager();
    for (const consumer of this.dispatcher.consumers()) {
      for (const type of this.dispatcher.typesOf(consumer)) {
        const stream = this.provisioner.names.stream(producerOf(type));
        const durable = this.provisioner.names.durable(consumer, type);
        const info = await jsm.consumers.info(stream, durable).catch(() => undefined);
        if (info) this.consumers.set(`${stream}/${durable}`, { stream, durable, consumer, pending: info.num_pending, ackPending: info.num_ack_pending });
      }
    }
  }
}
