import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { BUSINESS_MODULES } from '../../../config/app-config';
import { DeliveryObserved, EventTaps, TappedEvent } from '../../../platform/messaging/taps/event-taps';
import { ActivityEvent, readActivityEvent } from '../domain/activity-event';
import { LiveFeed } from '../http/live-feed';
import { ActivityRepository, Delivery } from './activity.repository';
import { GroupWriter } from '../../../platform/group-writer';

export const ACTIVITY = 'activity';
/** Deliveries wait this long to share a statement: at 8 deliveries an order, one row per statement was an eighth of the shop's statements. */
const DELIVERY_LINGER_MS = 25;

/**
 * Reads every module's stream (a tap: from the beginning, any type, any version, never a dead
 * letter) and keeps each event's headers; notes what this process's consumers did with each
 * delivery. New events and deliveries go to the live feed of /flow.
 */
@Injectable()
export class ActivityRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ActivityRecorder.name);
  private readonly deliveries = new GroupWriter<Delivery>(
    (group) => this.repository.recordDeliveries(group),
    (error, lost) => this.logger.warn(`${lost} observed deliveries not recorded: ${(error as Error).message}`),
    10_000,
    DELIVERY_LINGER_MS,
  );

  constructor(
    private readonly taps: EventTaps,
    private readonly repository: ActivityRepository,
    private readonly feed: LiveFeed,
  ) {}

  onModuleInit(): void {
    this.taps.addStreamTap({
      name: ACTIVITY,
      // Every producing module's stream, whether or not this process runs the module.
      producers: BUSINESS_MODULES.filter((m) => m !== ACTIVITY),
      record: (events) => this.record(events),
    });
    this.taps.onDelivery((d) => this.observe(d));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.deliveries.idle();
  }

  private async record(tapped: TappedEvent[]): Promise<void> {
    const events: ActivityEvent[] = [];
    for (const wire of tapped) {
      const event = readActivityEvent(wire);
      if (event) events.push(event);
      else this.logger.warn(`skipped a ${wire.type} message without an envelope id${wire.seq ? ` (${wire.stream} #${wire.seq})` : ''}`);
    }
    const fresh = await this.recordIsolating(events);
    for (const event of events) if (fresh.has(event.id)) this.feed.event(event);
  }

  /**
   * A row Postgres refuses must not hold its batch for ever (it would come back, batch after
   * batch): a failed batch is recorded one by one, and what fails alone is skipped. When every
   * one fails the database is away: the error goes up and the batch comes again.
   */
  private async recordIsolating(events: ActivityEvent[]): Promise<Set<string>> {
    try {
      return await this.repository.recordEvents(events);
    } catch (error) {
      if (events.length < 2) throw error;
      const fresh = new Set<string>();
      const refused: ActivityEvent[] = [];
      for (const event of events) {
        try {
          for (const id of await this.repository.recordEvents([event])) fresh.add(id);
        } catch {
          refused.push(event);
        }
      }
      if (refused.length === events.length) throw error;
      for (const e of refused) this.logger.warn(`skipped event ${e.id} (${e.type}${e.streamSeq ? `, ${e.stream} #${e.streamSeq}` : ''}): the database refused it`);
      return fresh;
    }
  }

  private observe(d: DeliveryObserved): void {
    this.deliveries.add({ eventId: d.eventId, consumer: d.consumer, outcome: d.outcome, at: d.at });
    this.feed.delivery(d);
  }
}
