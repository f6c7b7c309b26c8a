import { Inject, Injectable, Logger } from '@nestjs/common';
import { ContractRegistry } from '../../contracts/contract-registry';
import { EventEnvelope } from '../../contracts/event-envelope';
import { Redactor } from '../../contracts/redaction';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { backoffMs } from '../backoff';
import { NotYetError } from '../domain-error';
import { consumedEvents, deliveryGroups } from '../observability/messaging-metrics';
import { withProcessSpan } from '../observability/tracing/messaging-spans';
import { DispatchOutcome } from './dispatch-outcome';
import { classifyFailure } from './failure-kind';
import { messageContext } from './message-context';
import { ModuleMessaging, ModuleRegistry } from './module-registry';
import { InboxLead } from '../inbox/inbox';
import { MessagingNames } from './naming';
import { Delivery, inOneTransaction } from './group-transaction';
import { errorText, EventHandler, prepareDelivery, PreparedDelivery } from './prepared-delivery';
import { EventTaps } from './taps/event-taps';

export type { DispatchOutcome, EventHandler, Delivery };

/** The first retry of a "not yet" (then doubling, with jitter): see `deliver`. */
const NOT_YET_FIRST_RETRY_MS = 20;

/** A parked delivery retried by an operator: one attempt, parked again if it fails. */
export interface DispatchOptions {
  lastChance?: boolean;
}

/**
 * Transport-agnostic consuming: validate against the contract, then the inbox row and the
 * consumer's own handlers in one transaction of the consumer's module. Decides ack, retry with
 * backoff (counted only for the handler's own failures), or dead-letter.
 */
@Injectable()
export class EventDispatcher {
  private readonly logger = new Logger(EventDispatcher.name);
  private readonly handlers = new Map<string, Map<string, EventHandler[]>>();
  private readonly names: MessagingNames;

  constructor(
    private readonly contracts: ContractRegistry,
    private readonly redactor: Redactor,
    private readonly modules: ModuleRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly taps: EventTaps,
  ) {
    this.names = new MessagingNames(config.nats.namespace);
  }

  /** Wiring mistakes fail the boot: a consumer that is no module here, a type without a contract. */
  register(consumer: string, type: string, handler: EventHandler): void {
    if (!this.modules.has(consumer)) {
      const known = this.modules.all().map((m) => m.name).join(', ');
      throw new Error(`a listener of ${type} names consumer "${consumer}", which is not a module of this process (${known})`);
    }
    if (!this.contracts.has(type, handler.version)) {
      throw new Error(`a listener of ${consumer} reads ${type}@v${handler.version}, which has no contract in the registry`);
    }
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

  /** The subject a type travels on (the namespace included): its messaging destination. */
  destinationOf(type: string): string {
    return this.names.subject(type);
  }

  consumersOf(type: string): string[] {
    return [...this.handlers.entries()].filter(([, byType]) => byType.has(type)).map(([consumer]) => consumer);
  }

  /** `delivery` is 1 on the first delivery: it paces the backoff, it does not count failures. */
  async dispatch(consumer: string, type: string, raw: string, delivery: number, options: DispatchOptions = {}): Promise<DispatchOutcome> {
    return this.counted(consumer, type, raw, await this.deliver(consumer, type, raw, delivery, options));
  }

  /**
   * Deliveries of one type to one consumer that waited together for a slot, in one transaction
   * (GroupedDeliveries). Outcomes in the order given; undefined for each one that must run alone
   * (`dispatch`), as if never grouped, because the shared transaction failed and kept nothing.
   */
  async dispatchGroup(consumer: string, type: string, items: readonly Delivery[]): Promise<(DispatchOutcome | undefined)[]> {
    const outcomes: (DispatchOutcome | undefined)[] = [];
    const ready: [number, PreparedDelivery][] = [];
    for (const [n, item] of items.entries()) {
      const prepared = await this.prepare(consumer, type, item.raw, item.delivery, {});
      if ('kind' in prepared) outcomes[n] = this.counted(consumer, type, item.raw, prepared);
      else ready.push([n, prepared]);
    }
    if (ready.length === 0) return outcomes;
    const together = await inOneTransaction(consumer, ready.map(([n, r]) => [items[n], r]), this.logger);
    deliveryGroups.inc({ consumer, outcome: together ? 'together' : 'alone' });
    for (const [n] of ready) outcomes[n] = together ? this.counted(consumer, type, items[n].raw, { kind: 'ack', duplicate: false }) : undefined;
    return outcomes;
  }

  private counted(consumer: string, type: string, raw: string, outcome: DispatchOutcome): DispatchOutcome {
    const label = outcome.kind === 'ack' ? (outcome.duplicate ? 'duplicate' : 'ack') : outcome.kind === 'retry' && !outcome.counted ? 'wait' : outcome.kind;
    consumedEvents.inc({ consumer, outcome: label });
    if (label === 'ack' || label === 'dead-lettered') this.taps.delivered(consumer, type, raw, label === 'ack' ? 'processed' : label);
    return outcome;
  }

  private async deliver(consumer: string, type: string, raw: string, delivery: number, options: DispatchOptions): Promise<DispatchOutcome> {
    const prepared = await this.prepare(consumer, type, raw, delivery, options);
    return 'kind' in prepared ? prepared : this.runPrepared(prepared, delivery, options);
  }

  /** Everything before the transaction: the contract, the versions each handler reads; an outcome when it cannot run. */
  private async prepare(consumer: string, type: string, raw: string, delivery: number, options: DispatchOptions): Promise<PreparedDelivery | DispatchOutcome> {
    const handlers = this.handlers.get(consumer)?.get(type);
    // Another version of this module handles it (a rolling upgrade): leave it for later, never ack it unread.
    if (!handlers) return this.retry(delivery, `${consumer} has no handler for ${type} in this process`, false);
    const { contracts, redactor, logger, names } = this;
    return prepareDelivery({ contracts, redactor, logger, names, module: this.modules.get(consumer), handlers, secretsDropped: options.lastChance }, consumer, type, raw);
  }

  private async runPrepared(ready: PreparedDelivery, delivery: number, options: DispatchOptions): Promise<DispatchOutcome> {
    const { consumer, module, park, event, runs, context, traced } = ready;
    try {
      const duplicate = await withProcessSpan(traced, async (span) => {
        const duplicate = await messageContext.run(context, () => this.inTransaction(module, consumer, event, runs));
        if (duplicate) span.setAttribute('shop.inbox.duplicate', true);
        return duplicate;
      });
      return { kind: 'ack', duplicate };
    } catch (error) {
      const text = errorText(error);
      if (classifyFailure(error) === 'waiting' && !options.lastChance) {
        // A "not yet" that has waited this long will not come: park it rather than hold it for ever.
        const waitedMs = Date.now() - Date.parse(event.occurredAt);
        if (error instanceof NotYetError && waitedMs > this.config.consumer.waitMaxMs) {
          return park({ envelope: event, eventId: event.id, error: `waited ${waitedMs} ms: ${text}`, attempts: delivery });
        }
        this.logger.warn(`${consumer} waits on ${event.type} ${event.id} (delivery ${delivery}): ${text}`);
        // What a "not yet" waits for is usually a hop behind (a card token racing the saga): asked
        // again soon, then less and less often; an outage (the database away) backs off as usual.
        return this.retry(delivery, text, false, error instanceof NotYetError ? NOT_YET_FIRST_RETRY_MS : undefined);
      }
      // A failure of the handler itself: counted in the module's database, so a restart keeps the count.
      const failures = options.lastChance
        ? this.config.consumer.maxDeliveries
        : await module.deadLetters.recordFailure(consumer, event.id, text).catch(() => undefined);
      if (failures === undefined) return this.retry(delivery, text, false);
      if (failures >= this.config.consumer.maxDeliveries) {
        return park({ envelope: event, eventId: event.id, error: text, attempts: failures });
      }
      this.logger.warn(`${consumer} failed ${event.type} ${event.id} (failure ${failures}): ${text}`);
      return this.retry(failures, text, true);
    }
  }

  /**
   * The inbox row and the handlers in one transaction of the consumer's module; true when the
   * inbox says this consumer already committed the event (nothing the handlers did is kept). The
   * row travels with the handlers' first statement (Inbox.recordAhead), and a repeat fails that
   * round trip, or the COMMIT's, by the row's primary key.
   */
  private async inTransaction(module: ModuleMessaging, consumer: string, event: EventEnvelope, runs: [EventHandler, EventEnvelope][]): Promise<boolean> {
    // Joining a caller's transaction, a repeat could not roll back alone: the row goes first then.
    const joined = module.transactions.current()?.open === true;
    let lead: InboxLead | undefined;
    let duplicate = false;
    try {
      await module.transactions.run(async (tx) => {
        lead = joined ? undefined : module.inbox.recordAhead(tx, consumer, event);
        if (!lead) {
          duplicate = !(await module.inbox.record(tx, consumer, event));
          if (!duplicate) for (const [handler, view] of runs) await handler.handle(view);
          return;
        }
        try {
          for (const [handler, view] of runs) await handler.handle(view);
        } catch (error) {
          // A handler that failed before its first statement: a repeat still acks, as before it ran.
          await lead.send().catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      if (lead && (await lead.wasRepeat())) return true;
      throw error;
    }
    return duplicate;
  }

  /** An operator's retry of a parked delivery: one attempt, parked again (with the new error) if it fails. */
  retryParked(consumer: string, type: string, raw: string): Promise<DispatchOutcome> {
    return this.dispatch(consumer, type, raw, this.config.consumer.maxDeliveries, { lastChance: true });
  }

  private retry(step: number, error: string, counted: boolean, baseMs = this.config.consumer.backoffBaseMs): DispatchOutcome {
    return { kind: 'retry', delayMs: backoffMs(step, Math.min(baseMs, this.config.consumer.backoffBaseMs), this.config.consumer.backoffMaxMs), error, counted };
  }
}
