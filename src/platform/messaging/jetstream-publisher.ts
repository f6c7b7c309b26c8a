import { Inject, Injectable } from '@nestjs/common';
import { headers } from 'nats';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { withPublishSpan } from '../observability/tracing/messaging-spans';
import { ACKED, DUPLICATE, errorText, EventPublisher, OutgoingEvent, PublishOutcome } from './event-publisher';
import { NatsConnectionProvider } from './nats-connection';
import { PubAckLane } from './pub-ack-lane';
import { MessagingNames } from './naming';
import { publishSubjectProblem } from './publish-subject';

const MAX_ROUTES = 1_000;
/** How long a publish waits for its PubAck before the broker counts as away. */
const PUB_ACK_TIMEOUT_MS = 5_000;

/** Publishes the stored envelope bytes with Nats-Msg-Id = event id, so the broker drops a republished duplicate. */
@Injectable()
export class JetStreamPublisher extends EventPublisher {
  private lane?: Promise<PubAckLane>;
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
    let lane: PubAckLane;
    const opening = (this.lane ??= this.openLane());
    try {
      lane = await opening;
    } catch (error) {
      // No connection yet (the provider reports why): asked again at the next publish.
      if (this.lane === opening) this.lane = undefined;
      return { kind: 'broker-away', error: errorText(error) };
    }
    // Its reply subscription refused (permissions, restored since by a reload) on a live connection:
    // kept, it would answer "away" until a restart. Replaced once for the whole batch waiting on it;
    // this publish goes to the next round (a closed connection refuses the new lane there, at once).
    if (lane.closed) {
      if (this.lane === opening) this.lane = undefined;
      return { kind: 'broker-away', error: 'the PubAck subscription closed' };
    }
    try {
      const { subject, problem } = this.route(event.type);
      // Refused here: sent, it would cost the connection and look like a broker outage, never parked.
      if (problem) return { kind: 'rejected', error: problem };
      return await withPublishSpan(event, subject, async (traceparent) => {
        const h = headers();
        // The broker drops a republished event by this id (its dedup window).
        h.set('Nats-Msg-Id', event.id);
        h.set('Event-Type', event.type);
        if (traceparent) h.set('traceparent', traceparent);
        // Buffer.from takes small strings' bytes from a shared slab; TextEncoder allocates an ArrayBuffer each (3x the CPU, and GC).
        const answer = await lane.publish(subject, Buffer.from(event.body), h);
        if (answer.kind === 'ack') return answer.duplicate ? DUPLICATE : ACKED;
        return { kind: answer.kind === 'away' ? 'broker-away' : 'rejected', error: answer.error };
      });
    } catch (error) {
      // A bug of this path, not an outage: counted against the row like a refusal.
      return { kind: 'rejected', error: errorText(error) };
    }
  }

  private openLane(): Promise<PubAckLane> {
    return this.nats.get().then((nc) => new PubAckLane(nc, PUB_ACK_TIMEOUT_MS));
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
