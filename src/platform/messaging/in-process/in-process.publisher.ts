import { Injectable } from '@nestjs/common';
import { EventEnvelope } from '../../../contracts/event-envelope';
import { EventDispatcher } from '../event-dispatcher';
import { EventPublisher, PublishAck, RetryLaterError } from '../event-publisher';

/**
 * The transport without a broker, for one process running every module. "Publishing" an
 * outbox row delivers it to each local consumer through the same dispatcher as JetStream
 * (contract check, inbox + effect in one transaction, dead letters), and succeeds only when
 * every consumer has committed it. So the outbox row is the durable log: a crash before that
 * leaves the row unpublished, the relay delivers it again, and the inboxes absorb the repeat.
 */
@Injectable()
export class InProcessPublisher extends EventPublisher {
  /** Deliveries per (consumer, event) in this process: the attempt count for backoff and dead letters. */
  private readonly attempts = new Map<string, number>();

  constructor(private readonly dispatcher: EventDispatcher) {
    super();
  }

  async publish(envelope: EventEnvelope): Promise<PublishAck> {
    const raw = JSON.stringify(envelope);
    const outcomes = await Promise.all(
      this.dispatcher.consumersOf(envelope.type).map(async (consumer) => {
        const key = `${consumer}:${envelope.id}`;
        const attempt = (this.attempts.get(key) ?? 0) + 1;
        this.attempts.set(key, attempt);
        const outcome = await this.dispatcher.dispatch(consumer, envelope.type, raw, attempt);
        if (outcome.kind !== 'retry') this.attempts.delete(key);
        return outcome;
      }),
    );
    const retries = outcomes.flatMap((o) => (o.kind === 'retry' ? [o] : []));
    if (retries.length > 0) {
      throw new RetryLaterError(retries.map((r) => r.error).join('; '), Math.max(...retries.map((r) => r.delayMs)));
    }
    return { duplicate: outcomes.some((o) => o.kind === 'ack' && o.duplicate) };
  }

  isTransient(): boolean {
    return false;
  }
}
