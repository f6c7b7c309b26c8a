import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ServerResponse } from 'node:http';
import { EVENT_DOCS, EventDocs } from '../../../platform/event-docs/event-docs';
import { DeliveryObserved } from '../../../platform/messaging/taps/event-taps';
import { ActivityEvent } from '../domain/activity-event';

/** Browsers open a handful at most; a cap keeps a runaway client from holding sockets and memory. */
export const MAX_FEED_CLIENTS = 20;
const HEARTBEAT_MS = 15_000;
/** A client this far behind is too slow to follow the flow: it is closed, never buffered without bound. */
const MAX_BUFFERED_BYTES = 1_000_000;

/**
 * The Server-Sent Events of /flow/events: each new event (headers only: no payload, so no
 * personal data) with the consumers that read its type, and each delivery this process saw.
 * Anyone may open it: it never carries an order id (whoever holds one reads the order, e-mail
 * included, at GET /orders/:id), only a tag of it that groups an order's events.
 */
@Injectable()
export class LiveFeed implements OnModuleDestroy {
  private readonly clients = new Set<ServerResponse>();
  private readonly consumersOf: Map<string, string[]>;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(@Inject(EVENT_DOCS) docs: EventDocs) {
    this.consumersOf = new Map(docs.map.map((e) => [e.type, e.consumers]));
    this.heartbeat = setInterval(() => this.send(': keep-alive\n\n'), HEARTBEAT_MS).unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** False when the cap is reached; otherwise the response stays open until the client leaves. */
  attach(response: ServerResponse): boolean {
    if (this.clients.size >= MAX_FEED_CLIENTS) return false;
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
    response.write('retry: 2000\n\n');
    return true;
  }

  event(e: ActivityEvent): void {
    if (this.clients.size === 0) return;
    this.send(
      data({
        kind: 'event',
        id: e.id,
        type: e.type,
        version: e.version,
        producer: e.producer,
        consumers: this.consumersOf.get(e.type) ?? [],
        order: orderTag(e.correlationId),
        occurredAt: e.occurredAt?.toISOString() ?? null,
      }),
    );
  }

  delivery(d: DeliveryObserved): void {
    if (this.clients.size === 0) return;
    this.send(data({ kind: 'delivery', eventId: d.eventId, type: d.type, consumer: d.consumer, outcome: d.outcome, at: d.at.toISOString() }));
  }

  /** Open streams would hold the HTTP server's close: they end first. */
  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private send(chunk: string): void {
    for (const client of this.clients) {
      if (client.writableLength > MAX_BUFFERED_BYTES) {
        client.destroy();
        this.clients.delete(client);
        continue;
      }
      client.write(chunk);
    }
  }
}

const data = (message: unknown) => `data: ${JSON.stringify(message)}\n\n`;

/** The first 64 bits of the order id's SHA-256: the same for an order's events, and no way back to the id. */
export function orderTag(correlationId: string | null): string | null {
  return correlationId ? createHash('sha256').update(correlationId).digest('hex').slice(0, 16) : null;
}
