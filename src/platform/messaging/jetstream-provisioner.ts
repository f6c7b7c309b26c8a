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
   * One durable consumer per consuming module and stream. On a 2.10+ server it is filtered to
   * exactly the subjects the module handles (`filter_subjects`); on 2.9 (one filter only) to the
   * whole stream, and the transport acks the other types unread. Each mode keeps one filter
   * field whatever the handlers, so adding a handler is a config update the server accepts.
   */
  async ensureConsumer(stream: string, producer: string, consumer: string, types: string[]): Promise<string> {
    const jsm = await this.manager();
    const durable = this.names.durable(consumer);
    const [major, minor] = await this.nats.serverVersion();
    const multiFilter = major > 2 || (major === 2 && minor >= 10);
    const filter: Partial<ConsumerConfig> = multiFilter
      ? { filter_subjects: types.map((t) => this.names.subject(t)), filter_subject: undefined }
      : { filter_subject: this.names.streamSubjects(producer) };
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.config.consumer.ackWaitMs),
      max_deliver: -1,
      max_ack_pending: 1_000,
      ...filter,
    };
    try {
      await jsm.consumers.info(stream, durable);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.consumers.add(stream, config);
      this.logger.log(`created consumer ${stream}/${durable} on ${JSON.stringify(filter)}`);
      return durable;
    }
    try {
      await jsm.consumers.update(stream, durable, config);
    } catch (error) {
      // A consumer the server will not reconcile would leave new event types unread: say so at boot.
      throw new Error(
        `durable consumer ${stream}/${durable} cannot take its new configuration (${(error as Error).message}); ` +
          'delete it (nats consumer rm) to have it recreated, its inbox makes the replay harmless',
      );
    }
    return durable;
  }

  private async manager(): Promise<JetStreamManager> {
    return (await this.nats.get()).jetstreamManager();
  }
}

const isNotFound = (error: unknown) =>
  error instanceof NatsError && (error.code === '404' || /not found/i.test(error.message));
