import { Inject, Injectable, Logger } from '@nestjs/common';
import { ContractRegistry } from '../../contracts/contract-registry';
import { contractKey } from '../../contracts/event-contract';
import { EventEnvelope } from '../../contracts/event-envelope';
import { Redactor } from '../../contracts/redaction';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { backoffMs } from '../backoff';
import { NotYetError } from '../domain-error';
import { consumedEvents, deliveryGroups } from '../observability/messaging-metrics';
import { ProcessSpanInput, withProcessSpan } from '../observability/tracing/messaging-spans';
import { DispatchOutcome } from './dispatch-outcome';
import { classifyFailure } from './failure-kind';
import { messageContext } from './message-context';
import { ModuleMessaging, ModuleRegistry } from './module-registry';
import { InboxLead } from '../inbox/inbox';
import { MessagingNames } from './naming';
import { parkDelivery, Parked } from './park-delivery';
import { EventTaps } from './taps/event-taps';

/** A listener method: the version of the type it reads, and whether it takes only that version as it is. */
export interface EventHandler {
  handle: (event: EventEnvelope) => Promise<void>;
  version: number;
  onlyThisVersion: boolean;
}

export type { DispatchOutcome };

/** The first retry of a "not yet" (then doubling, with jitter): see `deliver`. */
const NOT_YET_FIRST_RETRY_MS = 20;

/**
 * A group waits at most this long on a row lock, then each of its deliveries runs alone: a group
 * locks the rows of several events in turn, so two groups (or a group and a single delivery) may
 * wait on each other, and Postgres would only see the deadlock after deadlock_timeout (1 s).
 */
export const GROUP_LOCK_TIMEOUT_MS = 50;

/** One delivery of a group: `enter` runs its work in its transport's context (the publish span). */
export interface Delivery {
  raw: string;
  delivery: number;
  enter: <T>(work: () => Promise<T>) => Promise<T>;
}

/** A delivery checked against its contract, ready for its transaction. */
interface Ready {
  consumer: string;
  module: ModuleMessaging;
  park: (d: Omit<Parked, 'consumer' | 'type'>) => Promise<DispatchOutcome>;
  event: EventEnvelope;
  runs: [EventHandler, EventEnvelope][];
  context: { correlationId: string; causationId: string; traceparent?: string };
  traced: ProcessSpanInput;
}

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
    const ready: [number, Ready][] = [];
    for (const [n, item] of items.entries()) {
      const prepared = await this.prepare(consumer, type, item.raw, item.delivery, {});
      if ('kind' in prepared) outcomes[n] = this.counted(consumer, type, item.raw, prepared);
      else ready.push([n, prepared]);
    }
    if (ready.length === 0) return outcomes;
    const together = await this.inOneTransaction(consumer, ready.map(([n, r]) => [items[n], r]));
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

  /**
   * The grouped deliveries' inbox rows and handlers in one transaction, each under its own message
   * context and span; false when anything failed (a handler, a lock waited on past
   * GROUP_LOCK_TIMEOUT_MS, a repeat's inbox row): nothing of it committed.
   */
  private async inOneTransaction(consumer: string, group: [Delivery, Ready][]): Promise<boolean> {
    const module = group[0][1].module;
    if (module.transactions.current()?.open) return false;
    try {
      await module.transactions.run(async (tx) => {
        tx.lead(`SET LOCAL lock_timeout = ${GROUP_LOCK_TIMEOUT_MS}`);
        for (const [item, { event, runs, traced, context }] of group) {
          // With its writes queued for the COMMIT: a repeat fails them by the primary key, and each then runs alone.
          if (!module.inbox.recordAtCommit(tx, consumer, event)) throw new Error('the inbox row cannot travel with the COMMIT');
          await item.enter(() => withProcessSpan(traced, () => messageContext.run(context, async () => {
            for (const [handler, view] of runs) await handler.handle(view);
          })));
          // Its writes queued for the COMMIT go now: the next event's handlers may read them.
          if (item !== group[group.length - 1][0]) await tx.flushTail();
        }
      });
      return true;
    } catch (error) {
      this.logger.debug(`${group.length} grouped deliveries to ${consumer} run alone: ${message(error)}`);
      return false;
    }
  }

  private async deliver(consumer: string, type: string, raw: string, delivery: number, options: DispatchOptions): Promise<DispatchOutcome> {
    const prepared = await this.prepare(consumer, type, raw, delivery, options);
    return 'kind' in prepared ? prepared : this.runPrepared(prepared, delivery, options);
  }

  /** Everything before the transaction: the contract, the versions each handler reads; an outcome when it cannot run. */
  private async prepare(consumer: string, type: string, raw: string, delivery: number, options: DispatchOptions): Promise<Ready | DispatchOutcome> {
    const handlers = this.handlers.get(consumer)?.get(type);
    // Another version of this module handles it (a rolling upgrade): leave it for later, never ack it unread.
    if (!handlers) return this.retry(delivery, `${consumer} has no handler for ${type} in this process`, false);
    const module = this.modules.get(consumer);
    const park = (d: Omit<Parked, 'consumer' | 'type'>) =>
      parkDelivery(module.deadLetters, this.redactor, this.logger, { consumer, type, ...d });

    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return park({ raw, error: `not JSON: ${withoutQuotedInput(message(error))}`, attempts: 1 });
    }
    const check = this.contracts.check(parsed, { secretsDropped: options.lastChance });
    if (!check.ok) return park({ envelope: parsed, error: check.error, attempts: 1 });
    const event = check.envelope;
    if (event.type !== type) {
      return park({ envelope: event, eventId: event.id, error: `delivered as ${type} but the envelope says ${event.type}`, attempts: 1 });
    }
    // Each method gets the event as the version it reads; one it cannot read parks the delivery.
    const runs: [EventHandler, EventEnvelope][] = [];
    for (const handler of handlers) {
      if (handler.onlyThisVersion && handler.version !== event.version) continue;
      const read = this.contracts.readAs(event, handler.version);
      if (!read.ok) return park({ envelope: event, eventId: event.id, error: read.error, attempts: 1 });
      runs.push([handler, read.envelope]);
    }
    // Every listener takes only another version as it is: nobody reads this one, so it is not acked.
    if (!runs.length) {
      return park({ envelope: event, eventId: event.id, error: `no listener of ${consumer} reads ${contractKey(event.type, event.version)}`, attempts: 1 });
    }
    const context = { correlationId: event.correlationId, causationId: event.id, traceparent: event.traceparent };
    const traced = { consumer, group: this.names.durable(consumer, type), destination: this.names.subject(type), event, bodySize: raw.length };
    return { consumer, module, park, event, runs, context, traced };
  }

  private async runPrepared(ready: Ready, delivery: number, options: DispatchOptions): Promise<DispatchOutcome> {
    const { consumer, module, park, event, runs, context, traced } = ready;
    try {
      const duplicate = await withProcessSpan(traced, async (span) => {
        const duplicate = await messageContext.run(context, () => this.inTransaction(module, consumer, event, runs));
        if (duplicate) span.setAttribute('shop.inbox.duplicate', true);
        return duplicate;
      });
      return { kind: 'ack', duplicate };
    } catch (error) {
      const text = message(error);
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

const message = (error: unknown) =>
  error instanceof Error ? error.message : typeof error === 'object' ? JSON.stringify(error) : String(error);

/** V8 quotes the text around a JSON syntax error (`Unexpected token 'o', ..."ntToken":tok_1"...`): it may be a cut secret. */
const withoutQuotedInput = (text: string) => text.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, ' (input not shown)');
