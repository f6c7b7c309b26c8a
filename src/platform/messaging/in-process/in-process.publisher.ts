import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { withPublishSpan } from '../../observability/tracing/messaging-spans';
import { ConsumerSlots } from '../consumer-slots';
import { DispatchOutcome } from '../dispatch-outcome';
import { EventDispatcher } from '../event-dispatcher';
import { ACKED, DUPLICATE, errorText, EventPublisher, OutgoingEvent, PublishOutcome } from '../event-publisher';
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
  /**
   * Deliveries the relay stopped waiting for (past the ack wait), by (consumer, event): the row's
   * next publish joins the one still running, or takes its outcome, instead of running the event
   * again in another slot. Run again, a delivery stuck on a lock took a slot (and a connection)
   * per ack wait until its module had none left for its other events.
   */
  private readonly overdue = new Map<string, Promise<DispatchOutcome>>();
  /** A relay publishes a batch at once: each tap records it in a few statements, not one per row. */
  private readonly batchers = new Map<StreamTap, TapBatcher>();
  private readonly ackWaitMs: number;
  /** What the relay is told of a delivery still running after the ack wait: try the row again later. */
  private readonly overdueOutcome: DispatchOutcome;
  private readonly logger = new Logger(InProcessPublisher.name);
  /**
   * A publish here lasts as long as the local consumers: a batch claimed at commit would hold its
   * producer's connection that long, and rows of its aggregates held back behind it waited for the
   * poll (p99 613 ms against 37 at 10 orders/s): the relay claims them instead.
   */
  override readonly settlesQuickly = false;

  constructor(
    private readonly dispatcher: EventDispatcher,
    private readonly slots: ConsumerSlots,
    private readonly taps: EventTaps,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.ackWaitMs = config.consumer.ackWaitMs;
    this.overdueOutcome = { kind: 'retry', delayMs: this.ackWaitMs, error: `a delivery still running after ${this.ackWaitMs} ms`, counted: false };
  }

  /** The publish span is the active context while the local consumers run: their process spans are its children. */
  publish(event: OutgoingEvent): Promise<PublishOutcome> {
    return withPublishSpan(event, this.dispatcher.destinationOf(event.type), () => this.deliver(event));
  }

  private async deliver(event: OutgoingEvent): Promise<PublishOutcome> {
    try {
      // Stream taps read beside the consumers; a tap's failure alone never holds the row (and so its aggregate's later events).
      const tapping = this.tap(event);
      const outcomes = await Promise.all(
        this.dispatcher.consumersOf(event.type).map(async (consumer) => {
          const key = `${consumer}:${event.id}`;
          const running = this.overdue.get(key) ?? this.start(consumer, event, key);
          const outcome = await this.withinAckWait(running);
          if (outcome === this.overdueOutcome) this.keepOverdue(key, running);
          else this.overdue.delete(key);
          if (outcome.kind !== 'retry') this.deliveries.delete(key);
          return outcome;
        }),
      );
      const retries = outcomes.flatMap((o) => (o.kind === 'retry' ? [o] : []));
      const tapped = await tapping;
      // The row comes again for a consumer's retry, and the tap with it; otherwise the observer misses this one.
      if (tapped && retries.length === 0) this.logger.warn(`${tapped}: event ${event.id} (${event.type}) goes on without it`);
      if (retries.length > 0) {
        return { kind: 'retry-later', delayMs: Math.max(...retries.map((r) => r.delayMs)), error: retries.map((r) => r.error).join('; ') };
      }
      return outcomes.some((o) => o.kind === 'ack' && o.duplicate) ? DUPLICATE : ACKED;
    } catch (error) {
      // The dispatcher answers every normal case with an outcome: a throw is a fault worth counting.
      return { kind: 'rejected', error: errorText(error) };
    }
  }

  /**
   * A delivery still running after the ack wait (a handler waiting on a lock, say) no longer holds
   * the relay's batch, and with it every other event of the producer: the row is retried later, as
   * JetStream redelivers past its ack wait. The delivery runs on; the inbox keeps whichever of the
   * two commits second from applying the event again.
   */
  private withinAckWait(delivery: Promise<DispatchOutcome>): Promise<DispatchOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<DispatchOutcome>((resolve) => {
      timer = setTimeout(() => resolve(this.overdueOutcome), this.ackWaitMs);
    });
    return Promise.race([delivery, late]).finally(() => clearTimeout(timer));
  }

  private start(consumer: string, event: OutgoingEvent, key: string): Promise<DispatchOutcome> {
    const delivery = (this.deliveries.get(key) ?? 0) + 1;
    this.deliveries.set(key, delivery);
    return this.slots.run(consumer, () => this.dispatcher.dispatch(consumer, event.type, event.body, delivery));
  }

  /**
   * An overdue delivery is joined by the row's next publish. One that ends in a retry is dropped
   * at once (the next publish runs it afresh); any other outcome waits a few ack waits for that
   * publish (the relay's backoff), then goes: the inbox still keeps a later run from applying it twice.
   */
  private keepOverdue(key: string, running: Promise<DispatchOutcome>): void {
    if (this.overdue.get(key) === running) return;
    this.overdue.set(key, running);
    const forget = () => {
      if (this.overdue.get(key) === running) this.overdue.delete(key);
    };
    void running.then(
      (outcome) => (outcome.kind === 'retry' ? forget() : setTimeout(forget, this.ackWaitMs * 4).unref()),
      forget,
    );
  }

  /** No stream here: the outbox row is the log, so taps see events from when they join. */
  private async tap(event: OutgoingEvent): Promise<string | undefined> {
    const producer = event.type.slice(0, event.type.indexOf('.'));
    for (const tap of this.taps.streamTaps()) {
      if (!tap.producers.includes(producer)) continue;
      try {
        await this.recordWith(tap, { raw: event.body, type: event.type });
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
}
