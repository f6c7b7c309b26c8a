import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, headers, JetStreamClient, NatsError } from 'nats';
import { EventEnvelope } from '../../contracts/event-envelope';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { withPublishSpan } from '../observability/tracing/messaging-spans';
import { EventPublisher, PublishAck } from './event-publisher';
import { NatsConnectionProvider } from './nats-connection';
import { MessagingNames } from './naming';

const TRANSIENT = new Set<string>([
  ErrorCode.Timeout,
  ErrorCode.ConnectionClosed,
  ErrorCode.ConnectionDraining,
  ErrorCode.ConnectionRefused,
  ErrorCode.ConnectionTimeout,
  ErrorCode.Disconnect,
  ErrorCode.NoResponders,
  ErrorCode.RequestError,
]);

/** Publishes with Nats-Msg-Id = event id, so the broker drops a republished duplicate. */
@Injectable()
export class JetStreamPublisher extends EventPublisher {
  private js?: JetStreamClient;
  private readonly names: MessagingNames;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly nats: NatsConnectionProvider,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.names = new MessagingNames(config.nats.namespace);
  }

  async publish(envelope: EventEnvelope): Promise<PublishAck> {
    this.js ??= (await this.nats.get()).jetstream();
    const subject = this.names.subject(envelope.type);
    return withPublishSpan(envelope, subject, async (traceparent) => {
      const h = headers();
      h.set('Event-Type', envelope.type);
      if (traceparent) h.set('traceparent', traceparent);
      const ack = await this.js!.publish(subject, this.encoder.encode(JSON.stringify(envelope)), { msgID: envelope.id, headers: h, timeout: 5_000 });
      return { duplicate: ack.duplicate };
    });
  }

  isTransient(error: unknown): boolean {
    return error instanceof NatsError && TRANSIENT.has(error.code);
  }
}
