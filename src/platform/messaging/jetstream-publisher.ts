import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, headers, JetStreamClient, NatsError } from 'nats';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { withPublishSpan } from '../observability/tracing/messaging-spans';
import { ACKED, DUPLICATE, errorText, EventPublisher, OutgoingEvent, PublishOutcome } from './event-publisher';
import { NatsConnectionProvider } from './nats-connection';
import { MessagingNames } from './naming';
import { publishSubjectProblem } from './publish-subject';

/** Errors that say the broker is away, not that it refused the message. */
const BROKER_AWAY = new Set<string>([
  ErrorCode.Timeout,
  ErrorCode.ConnectionClosed,
  ErrorCode.ConnectionDraining,
  ErrorCode.ConnectionRefused,
  ErrorCode.ConnectionTimeout,
  ErrorCode.Disconnect,
  ErrorCode.NoResponders,
  ErrorCode.RequestError,
]);

/** Publishes the stored envelope bytes with Nats-Msg-Id = event id, so the broker drops a republished duplicate. */
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

  async publish(event: OutgoingEvent): Promise<PublishOutcome> {
    try {
      this.js ??= (await this.nats.get()).jetstream();
      const subject = this.names.subject(event.type);
      const problem = publishSubjectProblem(subject);
      // Refused here: sent, it would cost the connection and look like a broker outage, never parked.
      if (problem) return { kind: 'rejected', error: problem };
      return await withPublishSpan(event, subject, async (traceparent) => {
        const h = headers();
        h.set('Event-Type', event.type);
        if (traceparent) h.set('traceparent', traceparent);
        const ack = await this.js!.publish(subject, this.encoder.encode(event.body), { msgID: event.id, headers: h, timeout: 5_000 });
        return ack.duplicate ? DUPLICATE : ACKED;
      });
    } catch (error) {
      const away = error instanceof NatsError && BROKER_AWAY.has(error.code);
      return { kind: away ? 'broker-away' : 'rejected', error: errorText(error) };
    }
  }
}
