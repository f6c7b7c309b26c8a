import { Injectable, Logger } from '@nestjs/common';

/** An event as it was on the wire: unchecked, any type and version, maybe not even JSON. */
export interface TappedEvent {
  raw: string;
  /** The event type (the subject without the namespace). */
  type: string;
  /** The JetStream stream and sequence; none on the in-process transport. */
  stream?: string;
  seq?: number;
}

/**
 * A reader of whole streams beside the consumers: it sees every event of the producing modules
 * it names, whatever the type or version, and never goes through contracts, inboxes or dead
 * letters. `record` must be idempotent (a batch can come again after a crash).
 */
export interface StreamTap {
  /** Also the durable consumer's name on each stream (`<name>-all`). */
  name: string;
  /** Producing modules whose streams it reads from their beginning (within retention). */
  producers: readonly string[];
  record(events: TappedEvent[]): Promise<void>;
}

/** What a consumer of this process did with a delivery: observed, not decided, here. */
export interface DeliveryObserved {
  consumer: string;
  type: string;
  eventId: string;
  outcome: 'processed' | 'dead-lettered';
  at: Date;
}

export type DeliveryListener = (delivery: DeliveryObserved) => void;

/**
 * Where observers of the event flow plug in without any producer or consumer knowing: stream
 * taps (read by the transport) and listeners of this process's deliveries (told by the dispatcher).
 */
@Injectable()
export class EventTaps {
  private readonly logger = new Logger(EventTaps.name);
  private readonly taps: StreamTap[] = [];
  private readonly listeners: DeliveryListener[] = [];

  addStreamTap(tap: StreamTap): void {
    this.taps.push(tap);
  }

  streamTaps(): readonly StreamTap[] {
    return this.taps;
  }

  onDelivery(listener: DeliveryListener): void {
    this.listeners.push(listener);
  }

  /** Cheap when nobody listens: the event id is read only then. An observer's failure never reaches the consumer. */
  delivered(consumer: string, type: string, raw: string, outcome: DeliveryObserved['outcome']): void {
    if (this.listeners.length === 0) return;
    const eventId = idOf(raw);
    if (!eventId) return;
    const delivery = { consumer, type, eventId, outcome, at: new Date() };
    for (const listener of this.listeners) {
      try {
        listener(delivery);
      } catch (error) {
        this.logger.warn(`a delivery listener failed: ${(error as Error).message}`);
      }
    }
  }
}

function idOf(raw: string): string | undefined {
  try {
    const id = (JSON.parse(raw) as { id?: unknown })?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
