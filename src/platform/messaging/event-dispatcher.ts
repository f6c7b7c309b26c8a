import { Inject, Injectable, Logger } from '@nestjs/common';
import { ContractRegistry } from '../../contracts/contract-registry';
import { EventEnvelope } from '../../contracts/event-envelope';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { backoffMs } from '../backoff';
import { consumedEvents } from '../observability/messaging-metrics';
import { messageContext } from './message-context';
import { ModuleRegistry } from './module-registry';

export type EventHandler = (event: EventEnvelope) => Promise<void>;

export type DispatchOutcome =
  | { kind: 'ack'; duplicate: boolean }
  | { kind: 'ignored' }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'dead-lettered'; error: string };

/**
 * Transport-agnostic consuming: validate against the contract, then the inbox row and the
 * handlers' effects in one transaction. Decides ack, retry with backoff, or dead-letter.
 */
@Injectable()
export class EventDispatcher {
  private readonly logger = new Logger(EventDispatcher.name);
  private readonly handlers = new Map<string, Map<string, EventHandler[]>>();

  constructor(
    private readonly contracts: ContractRegistry,
    private readonly modules: ModuleRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  register(consumer: string, type: string, handler: EventHandler): void {
    const byType = this.handlers.get(consumer) ?? new Map<string, EventHandler[]>();
    byType.set(type, [...(byType.get(type) ?? []), handler]);
    this.handlers.set(consumer, byType);
  }

  consumers(): string[] {
    return [...this.handlers.keys()];
  }

  typesOf(consumer: string): string[] {
    return [...(this.handlers.get(consumer)?.keys() ?? [])];
  }

  consumersOf(type: string): string[] {
    return [...this.handlers.entries()].filter(([, byType]) => byType.has(type)).map(([consumer]) => consumer);
  }

  /** `attempt` is 1 on the first delivery. */
  async dispatch(consumer: string, type: string, raw: string, attempt: number): Promise<DispatchOutcome> {
    const outcome = await this.deliver(consumer, type, raw, attempt);
    if (outcome.kind !== 'ignored') {
      consumedEvents.inc({ consumer, outcome: outcome.kind === 'ack' && outcome.duplicate ? 'duplicate' : outcome.kind });
    }
    return outcome;
  }

  private async deliver(consumer: string, type: string, raw: string, attempt: number): Promise<DispatchOutcome> {
    const handlers = this.handlers.get(consumer)?.get(type);
    if (!handlers) return { kind: 'ignored' };
    const module = this.modules.get(consumer);

    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return this.park(consumer, { raw, type, error: `not JSON: ${message(error)}`, attempts: attempt });
    }
    const check = this.contracts.check(parsed);
    if (!check.ok) return this.park(consumer, { envelope: parsed, type, error: check.error, attempts: attempt });
    const event = check.envelope;
    if (event.type !== type) {
      const error = `delivered as ${type} but the envelope says ${event.type}`;
      return this.park(consumer, { envelope: event, eventId: event.id, type, error, attempts: attempt });
    }

    try {
      let duplicate = false;
      const context = { correlationId: event.correlationId, causationId: event.id, traceparent: event.traceparent };
      await messageContext.run(context, () =>
        module.transactions.run(async (manager) => {
          if (!(await module.inbox.record(manager, consumer, event))) {
            duplicate = true;
            return;
          }
          for (const handler of handlers) await handler(event);
        }),
      );
      return { kind: 'ack', duplicate };
    } catch (error) {
      const text = message(error);
      if (attempt >= this.config.consumer.maxDeliveries) {
        this.logger.error(`${consumer} gives up on ${event.type} ${event.id} after ${attempt} attempts: ${text}`);
        return this.park(consumer, { envelope: event, eventId: event.id, type, error: text, attempts: attempt });
      }
      const { backoffBaseMs, backoffMaxMs } = this.config.consumer;
      this.logger.warn(`${consumer} failed ${event.type} ${event.id} (attempt ${attempt}): ${text}`);
      return { kind: 'retry', delayMs: backoffMs(attempt, backoffBaseMs, backoffMaxMs), error: text };
    }
  }

  /** An operator's retry of a parked delivery: one attempt, parked again (with the new error) if it fails. */
  retryParked(consumer: string, type: string, raw: string): Promise<DispatchOutcome> {
    return this.dispatch(consumer, type, raw, this.config.consumer.maxDeliveries);
  }

  private async park(
    consumer: string,
    d: { envelope?: unknown; raw?: string; eventId?: string; type: string; error: string; attempts: number },
  ): Promise<DispatchOutcome> {
    const eventId = d.eventId ?? idOf(d.envelope);
    const deadLetters = this.modules.get(consumer).deadLetters;
    try {
      await deadLetters.parkDelivery({ consumer, ...d, eventId });
    } catch (refused) {
      // Postgres refuses some text (a NUL byte): keep it escaped rather than retry the poison forever.
      if (!['22P05', '22021'].includes((refused as { code?: string }).code ?? '')) throw refused;
      const raw = (d.raw ?? JSON.stringify(d.envelope)).split(NUL).join('\\0').split('\\u0000').join('\\0');
      const error = d.error.split(NUL).join('\\0');
      await deadLetters.parkDelivery({ consumer, raw, type: d.type.split(NUL).join(''), error, attempts: d.attempts });
    }
    this.logger.error(`${consumer} dead-lettered ${d.type} ${eventId ?? '(no id)'}: ${d.error}`);
    return { kind: 'dead-lettered', error: d.error };
  }
}

const NUL = String.fromCharCode(0);

const message = (error: unknown) =>
  error instanceof Error ? error.message : typeof error === 'object' ? JSON.stringify(error) : String(error);

const idOf = (envelope: unknown) =>
  typeof envelope === 'object' && envelope !== null && typeof (envelope as { id?: unknown }).id === 'string'
    ? (envelope as { id: string }).id
    : undefined;
