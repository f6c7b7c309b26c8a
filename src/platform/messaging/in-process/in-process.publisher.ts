import { Injectable, Logger } from '@nestjs/common';
import { EventEnvelope } from '../../../contracts/event-envelope';
import { withPublishSpan } from '../../observability/tracing/messaging-spans';
import { ConsumerSlots } from '../consumer-slots';
import { EventDispatcher } from '../event-dispatcher';
import { EventPublisher, PublishAck, RetryLaterError } from '../event-publisher';
import { EventTaps, StreamTap, TappedEvent } from '../taps/event-taps';
import { TapBatcher } from '../taps/tap-batcher';

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
  /** A relay publishes a batch at once: each tap records it in a few statements, not one per row. */
  private readonly batchers = new Map<StreamTap, TapBatcher>();
  private readonly logger = new Logger(InProcessPublisher.name);

  constructor(
    private readonly dispatcher: EventDispatcher,
    private readonly slots: ConsumerSlots,
    private readonly taps: EventTaps,
  ) {
    super();
  }

  /** The publish span is the active context while the local consumers run: their process spans are its children. */
  publish(envelope: EventEnvelope): Promise<PublishAck> {
    return withPublishSpan(envelope, this.dispatcher.destinationOf(envelope.type), () => this.deliver(envelope));
  }

  private async deliver(envelope: EventEnvelope): Promise<PublishAck> {
    const raw = JSON.stringify(envelope);
    // Stream taps read beside the consumers; a tap's failure alone never holds the row (and so its aggregate's later events).
    const tapping = this.tap(envelope, raw);
    const outcomes = await Promise.all(
      this.dispatcher.consumersOf(envelope.type).map(async (consumer) => {
        const key = `${consumer}:${envelope.id}`;
        const delivery = (this.deliveries.get(key) ?? 0) + 1;
        this.deliveries.set(key, delivery);
        const outcome = await this.slots.run(consumer, () => this.dispatcher.dispatch(consumer, envelope.type, raw, delivery));
        if (outcome.kind !== 'retry') this.deliveries.delete(key);
        return outcome;
      }),
    );
    const retries = outcomes.flatMap((o) => (o.kind === 'retry' ? [o] : []));
    const tapped = await tapping;
    // The row comes again for a consumer's retry, and the tap with it; otherwise the observer misses this one.
    if (tapped && retries.length === 0) this.logger.warn(`${tapped}: event ${envelope.id} (${envelope.type}) goes on without it`);
    if (retries.length > 0) {
      throw new RetryLaterError(retries.map((r) => r.error).join('; '), Math.max(...retries.map((r) => r.delayMs)));
    }
    return { duplicate: outcomes.some((o) => o.kind === 'ack' && o.duplicate) };
  }

  /** No stream here: the outbox row is the log, so taps see events from when they join. */
  private async tap(envelope: EventEnvelope, raw: string): Promise<string | undefined> {
    const producer = envelope.type.slice(0, envelope.type.indexOf('.'));
    for (const tap of this.taps.streamTaps()) {
      if (!tap.producers.includes(producer)) continue;
      try {
        await this.recordWith(tap, { raw, type: envelope.type });
      } catch (error) {
        return (error as Error).message;
      }
    }
    return undefined;
  }

  private recordWith(tap: StreamTap, event: TappedEvent): Promise<void> {
    let batcher = this.batchers.get(tap);
    if (!batcher) {
      batcher = new TapBatcher(tap, () => undefined);
      this.batchers.set(tap, batcher);
    }
    const taking = batcher;
    return new Promise((resolve, reject) =>
      taking.add({ event, ack: resolve, retryLater: (_delay, error) => reject(new Error(`${tap.name} could not record: ${(error as Error)?.message}`)) }),
    );
  }

  isTransient(): boolean {
    return false;
  }
}
