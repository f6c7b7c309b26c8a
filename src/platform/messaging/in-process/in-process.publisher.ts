import { Injectable } from '@nestjs/common';
import { ConsumerSlots } from '../consumer-slots';
import { EventDispatcher } from '../event-dispatcher';
import { ACKED, DUPLICATE, errorText, EventPublisher, OutgoingEvent, PublishOutcome } from '../event-publisher';

/**
 * The transport without a broker, for one process running every module. "Publishing" an
 * outbox row delivers it to each local consumer through the same dispatcher as JetStream
 * (contract check, inbox + effect in one transaction, dead letters), and succeeds only when
 * every consumer has committed it. So the outbox row is the durable log: a crash before that
 * leaves the row unpublished, the relay delivers it again, and the inboxes absorb the repeat
 * (a consumer that committed already is not run again).
 */
@Injectable()
export class InProcessPublisher extends EventPublisher {
  /** Deliveries per (consumer, event) in this process: they pace the backoff only. */
  private readonly deliveries = new Map<string, number>();

  constructor(
    private readonly dispatcher: EventDispatcher,
    private readonly slots: ConsumerSlots,
  ) {
    super();
  }

  async publish(event: OutgoingEvent): Promise<PublishOutcome> {
    try {
      const outcomes = await Promise.all(
        this.dispatcher.consumersOf(event.type).map(async (consumer) => {
          const key = `${consumer}:${event.id}`;
          const delivery = (this.deliveries.get(key) ?? 0) + 1;
          this.deliveries.set(key, delivery);
          const outcome = await this.slots.run(consumer, () => this.dispatcher.dispatch(consumer, event.type, event.body, delivery));
          if (outcome.kind !== 'retry') this.deliveries.delete(key);
          return outcome;
        }),
      );
      const retries = outcomes.flatMap((o) => (o.kind === 'retry' ? [o] : []));
      if (retries.length > 0) {
        return { kind: 'retry-later', delayMs: Math.max(...retries.map((r) => r.delayMs)), error: retries.map((r) => r.error).join('; ') };
      }
      return outcomes.some((o) => o.kind === 'ack' && o.duplicate) ? DUPLICATE : ACKED;
    } catch (error) {
      // The dispatcher answers every normal case with an outcome: a throw is a fault worth counting.
      return { kind: 'rejected', error: errorText(error) };
    }
  }
}
