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

const MAX_ROUTES = 1_000;

/** Publishes the stored envelope bytes with Nats-Msg-Id = event id, so the broker drops a republished duplicate. */
@Injectable()
export class JetStreamPublisher extends EventPublisher {
  private js?: JetStreamClient;
  private readonly names: MessagingNames;
  /** Each event type's subject and what is wrong with it: worked out once per type, not per row. */
  private readonly routes = new Map<string, { subject: string; problem?: string }>();

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
      const { subject, problem } = this.route(event.type);
      // Refused here: sent, it would cost the connection and look like a broker outage, never parked.
      if (problem) return { kind: 'rejected', error: problem };
      return await withPublishSpan(event, subject, async (traceparent) => {
        const h = headers();
        h.set('Event-Type', event.type);
        if (traceparent) h.set('traceparent', traceparent);
        // Buffer.from takes small strings' bytes from a shared slab; TextEncoder allocates an ArrayBuffer each (3x the CPU, and GC).
        const ack = await this.js!.publish(subject, Buffer.from(event.body), { msgID: event.id, headers: h, timeout: 5_000 });
        return ack.duplicate ? DUPLICATE : ACKED;
      });
    } catch (error) {
      const away = error instanceof NatsError && BROKER_AWAY.has(error.code);
      return { kind: away ? 'broker-away' : 'rejected', error: errorText(error) };
    }
  }

  private route(type: string): { subject: string; problem?: string } {
    let route = this.routes.get(type);
    if (!route) {
      // Types are a module's few contracts; a flood of odd ones (hostile rows) only restarts the cache.
      if (this.routes.size >= MAX_ROUTES) this.routes.clear();
      const subject = this.names.subject(type);
      route = { subject, problem: publishSubjectProblem(subject) };
      this.routes.set(type, route);
    }
    return route;
  }
}
