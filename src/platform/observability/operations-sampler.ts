import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { BUSINESS_MODULES } from '../../config/app-config';
import { JetStreamProvisioner } from '../messaging/jetstream-provisioner';
import { ModuleRegistry } from '../messaging/module-registry';
import { NatsConnectionProvider } from '../messaging/nats-connection';
import { ConsumerLag, OperationsSample, operationsSamples } from './operations-metrics';

/** Often enough for an alert, rare enough to cost nothing (one capped count per module, one consumer listing per stream). */
export const OPERATIONS_SAMPLE_MS = 2_000;
/** Past this many open dead letters the exact number no longer matters. */
const DEAD_LETTER_CAP = 10_000;

/**
 * Samples, on its own clock, what the operations gauges show: open dead letters of each module
 * this process runs, and the lag (num_pending, num_ack_pending) of every durable consumer on the
 * shop's streams. A scrape then reads memory only. A figure that cannot be read keeps its last value.
 */
@Injectable()
export class OperationsSampler implements OperationsSample, OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly deadLetters = new Map<string, number>();
  readonly consumers = new Map<string, ConsumerLag>();
  private timer?: NodeJS.Timeout;
  private sampling = false;

  constructor(
    private readonly modules: ModuleRegistry,
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

  /**
   * Every durable consumer on the shop's streams, not only the ones this process pulls from: a
   * consuming module that is down (another process) lags exactly when it can report nothing, so
   * any process reports it. One listing per stream; a durable gone from the server goes from the gauges.
   */
  private async sampleConsumers(): Promise<void> {
    if (!this.provisioner || !this.nats || !(await this.nats.isConnected())) return;
    const jsm = await (await this.nats.get()).jetstreamManager();
    for (const module of BUSINESS_MODULES) {
      const stream = this.provisioner.names.stream(module);
      const seen = new Map<string, ConsumerLag>();
      try {
        for await (const info of jsm.consumers.list(stream)) {
          const durable = info.config.durable_name;
          // Durables are named <consumer>_<Type>; a temporary reader (a CLI replay) has no durable name.
          if (durable) seen.set(`${stream}/${durable}`, { stream, durable, consumer: durable.split('_')[0], pending: info.num_pending, ackPending: info.num_ack_pending });
        }
      } catch {
        continue; // No such stream yet, or the broker went away meanwhile: the last values stay.
      }
      for (const key of [...this.consumers.keys()]) if (key.startsWith(`${stream}/`) && !seen.has(key)) this.consumers.delete(key);
      for (const [key, lag] of seen) this.consumers.set(key, lag);
    }
  }
}
