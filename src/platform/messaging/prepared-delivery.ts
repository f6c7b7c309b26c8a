import { Logger } from '@nestjs/common';
import { ContractRegistry } from '../../contracts/contract-registry';
import { contractKey } from '../../contracts/event-contract';
import { EventEnvelope } from '../../contracts/event-envelope';
import { Redactor } from '../../contracts/redaction';
import { ProcessSpanInput } from '../observability/tracing/messaging-spans';
import { DispatchOutcome } from './dispatch-outcome';
import { ModuleMessaging } from './module-registry';
import { MessagingNames } from './naming';
import { parkDelivery, Parked } from './park-delivery';

/** A listener method: the version of the type it reads, and whether it takes only that version as it is. */
export interface EventHandler {
  handle: (event: EventEnvelope) => Promise<void>;
  version: number;
  onlyThisVersion: boolean;
}

/** A delivery checked against its contract, ready for its transaction. */
export interface PreparedDelivery {
  consumer: string;
  module: ModuleMessaging;
  park: (d: Omit<Parked, 'consumer' | 'type'>) => Promise<DispatchOutcome>;
  event: EventEnvelope;
  /** Each handler with the event as the version it reads. */
  runs: [EventHandler, EventEnvelope][];
  context: { correlationId: string; causationId: string; traceparent?: string };
  traced: ProcessSpanInput;
}

/** What checking a delivery needs: the contracts, the consumer's module and handlers of the type. */
export interface Preparation {
  contracts: ContractRegistry;
  redactor: Redactor;
  logger: Logger;
  names: MessagingNames;
  module: ModuleMessaging;
  handlers: EventHandler[];
  /** An operator's last retry: a secret the contract no longer carries may be gone. */
  secretsDropped?: boolean;
}

/**
 * Everything before the transaction: the contract, the versions each handler reads. Parks (and
 * returns the outcome of parking) a delivery that can never run: not JSON, off its contract,
 * delivered as another type, or a version none of the consumer's listeners reads.
 */
export async function prepareDelivery(p: Preparation, consumer: string, type: string, raw: string): Promise<PreparedDelivery | DispatchOutcome> {
  const { contracts, module } = p;
  const park = (d: Omit<Parked, 'consumer' | 'type'>) => parkDelivery(module.deadLetters, p.redactor, p.logger, { consumer, type, ...d });

  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return park({ raw, error: `not JSON: ${withoutQuotedInput(errorText(error))}`, attempts: 1 });
  }
  const check = contracts.check(parsed, { secretsDropped: p.secretsDropped });
  if (!check.ok) return park({ envelope: parsed, error: check.error, attempts: 1 });
  const event = check.envelope;
  if (event.type !== type) {
    return park({ envelope: event, eventId: event.id, error: `delivered as ${type} but the envelope says ${event.type}`, attempts: 1 });
  }
  // Each method gets the event as the version it reads; one it cannot read parks the delivery.
  const runs: [EventHandler, EventEnvelope][] = [];
  for (const handler of p.handlers) {
    if (handler.onlyThisVersion && handler.version !== event.version) continue;
    const read = contracts.readAs(event, handler.version);
    if (!read.ok) return park({ envelope: event, eventId: event.id, error: read.error, attempts: 1 });
    runs.push([handler, read.envelope]);
  }
  // Every listener takes only another version as it is: nobody reads this one, so it is not acked.
  if (!runs.length) {
    return park({ envelope: event, eventId: event.id, error: `no listener of ${consumer} reads ${contractKey(event.type, event.version)}`, attempts: 1 });
  }
  const context = { correlationId: event.correlationId, causationId: event.id, traceparent: event.traceparent };
  const traced = { consumer, group: p.names.durable(consumer, type), destination: p.names.subject(type), event, bodySize: raw.length };
  return { consumer, module, park, event, runs, context, traced };
}

/** The text of anything thrown; never throws itself (a thrown object may hold a BigInt or a cycle). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error !== 'object' || error === null) return String(error);
  try {
    return JSON.stringify(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/** V8 quotes the text around a JSON syntax error (`Unexpected token 'o', ..."ntToken":tok_1"...`): it may be a cut secret. */
const withoutQuotedInput = (text: string) => text.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, ' (input not shown)');
