import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AckPolicy,
  ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamManager,
  nanos,
  NatsError,
  RetentionPolicy,
  StorageType,
  StreamConfig,
} from 'nats';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { NatsConnectionProvider } from './nats-connection';
import { MessagingNames } from './naming';

const STREAM_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/** Creates streams and durable consumers at boot; safe to run from several processes at once. */
@Injectable()
export class JetStreamProvisioner {
  private readonly logger = new Logger(JetStreamProvisioner.name);
  readonly names: MessagingNames;
  private readonly streams = new Map<string, Promise<string>>();

  constructor(
    private readonly nats: NatsConnectionProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.names = new MessagingNames(config.nats.namespace);
  }

  /** Once per stream and process: boot asks for the same stream for each module that reads it. */
  ensureStream(module: string): Promise<string> {
    let ensured = this.streams.get(module);
    if (!ensured) {
      ensured = this.provisionStream(module);
      this.streams.set(module, ensured);
      ensured.catch(() => this.streams.delete(module));
    }
    return ensured;
  }

  private async provisionStream(module: string): Promise<string> {
    const jsm = await this.manager();
    const name = this.names.stream(module);
    const config: Partial<StreamConfig> = {
      name,
      subjects: [this.names.streamSubjects(module)],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(STREAM_MAX_AGE_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      num_replicas: 1,
    };
    try {
      await jsm.streams.info(name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.streams.add(config).catch((e) => {
        if (!String(e?.message).includes('already in use')) throw e;
      });
      this.logger.log(`created stream ${name}`);
    }
    return name;
  }

  /**
   * One durable consumer per (consuming module, event type), filtered to that type's subject: a
   * filter that never changes, on 2.9 and 2.10+ alike, so replicas of different versions can run
   * side by side. A new (module, type) pair starts at the beginning of the stream (within its
   * retention); the module's inbox makes anything it saw before a no-op.
   */
  async ensureConsumer(stream: string, consumer: string, type: string): Promise<string> {
    const jsm = await this.manager();
    const durable = this.names.durable(consumer, type);
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.names.subject(type),
      ack_wait: nanos(this.config.consumer.ackWaitMs),
      max_deliver: -1,
      max_ack_pending: 1_000,
    };
    try {
      const existing = await jsm.consumers.info(stream, durable);
      if (existing.config.ack_wait === config.ack_wait) return durable;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.consumers.add(stream, config).catch((e) => {
        // Another replica created it first.
        if (!/already (exists|in use)/i.test(String(e?.message))) throw e;
      });
      this.logger.log(`created consumer ${stream}/${durable} on ${config.filter_subject}`);
      return durable;
    }
    await jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait });
    return durable;
  }

  private async manager(): Promise<JetStreamManager> {
    return (await this.nats.get()).jetstreamManager();
  }
}

const isNotFound = (error: unknown) =>
  error instanceof NatsError && (error.code === '404' || /not found/i.test(error.message));
