import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AckPolicy,
  ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamManager,
  millis,
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

/** The stream settings that come from configuration (STREAM_MAX_AGE_MS, STREAM_DUPLICATE_WINDOW_MS, STREAM_REPLICAS). */
type StreamSettings = Pick<StreamConfig, 'max_age' | 'duplicate_window' | 'num_replicas'>;

const MAX_ACK_PENDING = 20_000;

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
    const settings = this.streamSettings();
    // A 2.9 server outside a cluster refuses R3 at creation but takes it, unreplicated, as an update.
    if (settings.num_replicas > 1 && !(await this.nats.get()).info?.cluster) {
      throw refused(name, 'the settings of', settings, new Error('this server is not part of a cluster'));
    }
    let existing: StreamConfig;
    try {
      existing = (await jsm.streams.info(name)).config;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const config: Partial<StreamConfig> = {
        name,
        subjects: [this.names.streamSubjects(module)],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        ...settings,
      };
      try {
        await jsm.streams.add(config);
        this.logger.log(`created stream ${name} (${describeSettings(settings)})`);
        return name;
      } catch (e) {
        if (!String((e as Error)?.message).includes('already in use')) throw refused(name, 'the creation of', settings, e);
        existing = (await jsm.streams.info(name)).config;
      }
    }
    const changes = (Object.keys(settings) as (keyof StreamSettings)[]).filter((k) => existing[k] !== settings[k]);
    if (changes.length === 0) return name;
    const what = changes.map((k) => `${k} ${show(k, existing[k])} → ${show(k, settings[k])}`).join(', ');
    try {
      await jsm.streams.update(name, settings);
    } catch (error) {
      throw refused(name, `a change (${what}) of`, settings, error);
    }
    this.logger.log(`updated stream ${name}: ${what}`);
    return name;
  }

  private streamSettings(): StreamSettings {
    const { maxAgeMs, duplicateWindowMs, replicas } = this.config.stream;
    return { max_age: nanos(maxAgeMs), duplicate_window: nanos(duplicateWindowMs), num_replicas: replicas };
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
      // Naked deliveries waiting for their retry count here: room for a flood of them without stalling the rest.
      max_ack_pending: MAX_ACK_PENDING,
    };
    try {
      const existing = await jsm.consumers.info(stream, durable);
      if (existing.config.ack_wait === config.ack_wait && existing.config.max_ack_pending === config.max_ack_pending) return durable;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.consumers.add(stream, config).catch((e) => {
        // Another replica created it first.
        if (!/already (exists|in use)/i.test(String(e?.message))) throw e;
      });
      this.logger.log(`created consumer ${stream}/${durable} on ${config.filter_subject}`);
      return durable;
    }
    await jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending });
    return durable;
  }

  private async manager(): Promise<JetStreamManager> {
    return (await this.nats.get()).jetstreamManager();
  }
}

const isNotFound = (error: unknown) =>
  error instanceof NatsError && (error.code === '404' || /not found/i.test(error.message));

const show = (key: keyof StreamSettings, value: number) => (key === 'num_replicas' ? String(value) : `${millis(value)} ms`);
const describeSettings = (settings: StreamSettings) =>
  (Object.keys(settings) as (keyof StreamSettings)[]).map((k) => `${k} ${show(k, settings[k])}`).join(', ');

/** A stream the server will not take as configured fails boot, saying which settings to fix. */
const refused = (name: string, action: string, settings: StreamSettings, error: unknown) =>
  new Error(
    `NATS refused ${action} stream ${name} (${describeSettings(settings)}): ${(error as Error)?.message}. ` +
      'Check STREAM_MAX_AGE_MS, STREAM_DUPLICATE_WINDOW_MS and STREAM_REPLICAS (replicas cannot exceed the JetStream servers of the cluster)',
  );
