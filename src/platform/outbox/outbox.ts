import { ConnectionHandOff } from '../database/connection-hand-off';
import { sql, Sql } from '../database/sql';
import { SqlTransaction } from '../database/sql-transaction';
import { v7 as uuidv7 } from 'uuid';
import { ContractRegistry } from '../../contracts/contract-registry';
import { EventEnvelope } from '../../contracts/event-envelope';
import { Clock } from '../clock';
import { messageContext } from '../messaging/message-context';
import { describeCreated, startCreateSpan, traceparentFor } from '../observability/tracing/messaging-spans';

/** What a module hands to the outbox: the envelope without the fields the platform stamps. */
export interface PendingEvent<TPayload = unknown> {
  type: string;
  version: number;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  payload: TPayload;
  correlationId?: string;
  causationId?: string;
}

export class OutboxRequiresTransactionError extends Error {
  constructor() {
    super('Outbox.append needs the caller\'s open transaction: events must commit with the state change');
  }
}

/** A bug of the producer: its consumers would dead-letter the event, so it is never committed. */
export class EventBreaksContractError extends Error {
  constructor(readonly event: { type: string; version: number; aggregateType: string; aggregateId: string }, detail: string) {
    super(`the outbox refuses ${event.type}@v${event.version} of ${event.aggregateType} ${event.aggregateId}: ${detail}`);
  }
}

/**
 * Appends events to a module's outbox table with the caller's transaction handle. Each envelope
 * is checked against its contract first, as every consumer will check it: an event that breaks
 * its contract throws, and the caller's transaction rolls back with it.
 */
export class Outbox {
  private readonly committedListeners = new Set<(rows: number) => void>();
  /** The ids each open transaction appended: one commit callback and one hand-off per transaction. */
  private readonly appended = new WeakMap<SqlTransaction, string[]>();
  private handOffs?: (ids: readonly string[]) => ConnectionHandOff;

  constructor(
    private readonly schema: string,
    private readonly clock: Clock,
    private readonly contracts: ContractRegistry,
  ) {}

  /**
   * The rows are written with the transaction's COMMIT, in its round trip: nothing in the
   * transaction reads its own outbox, and a refused row (a repeated aggregate version) fails the
   * commit, so the state change rolls back with it as before.
   */
  async append(tx: Sql, events: readonly PendingEvent[]): Promise<EventEnvelope[]> {
    if (!(tx instanceof SqlTransaction) || !tx.open) throw new OutboxRequiresTransactionError();
    if (events.length === 0) return [];
    // Each event's create span is its creation context: the traceparent it carries to every consumer.
    const handed = messageContext.current()?.traceparent;
    const spans = events.map((e) => startCreateSpan(e.type, handed));
    try {
      const envelopes = events.map((e, i) => this.envelope(e, traceparentFor(spans[i], handed)));
      envelopes.forEach((e, i) => describeCreated(spans[i], e));
      const json = envelopes.map((e) => this.checkedJson(e));
      const values: unknown[] = [];
      const rows = envelopes.map((e, i) => {
        values.push(e.id, e.type, e.aggregateType, e.aggregateId, e.aggregateVersion, json[i]);
        const p = i * 6;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}::jsonb)`;
      });
      const insert = `INSERT INTO "${this.schema}".outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope)
         VALUES ${rows.join(', ')}`;
      await sql.later(tx, insert, values);
      this.appendedBy(tx).push(...envelopes.map((e) => e.id));
      return envelopes;
    } finally {
      spans.forEach((span) => span.end());
    }
  }

  /** Called after each commit that appended rows, with how many it appended (unless a hand-off claimed them). */
  onCommitted(listener: (rows: number) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  /** The relay's claim of a transaction's rows, sent with its COMMIT (OutboxRelay.handOff). */
  handOffClaims(handOffs: (ids: readonly string[]) => ConnectionHandOff): void {
    this.handOffs = handOffs;
  }

  private appendedBy(tx: SqlTransaction): string[] {
    const ids = this.appended.get(tx);
    if (ids) return ids;
    const mine: string[] = [];
    this.appended.set(tx, mine);
    const handedOff = this.handOffs !== undefined && tx.handOffAfterCommit(this.handOffs(mine));
    // Rows the hand-off took are the relay's already: the others get a wake.
    tx.afterCommit.push(() => {
      if (!(handedOff && tx.handedOff)) this.committedListeners.forEach((listener) => listener(mine.length));
    });
    return mine;
  }

  /** Checks the envelope as its consumers will read it: after JSON (dates become strings, undefined keys vanish). */
  private checkedJson(envelope: EventEnvelope): string {
    const json = JSON.stringify(envelope);
    const result = this.contracts.check(JSON.parse(json));
    if (!result.ok) throw new EventBreaksContractError(envelope, result.error);
    // Older versions stay readable, not writable (OrderPlaced v1 carried the card token).
    const latest = this.contracts.latestVersion(envelope.type);
    if (latest !== undefined && envelope.version < latest) {
      throw new EventBreaksContractError(envelope, `v${latest} is the latest: producers write the latest version`);
    }
    return json;
  }

  private envelope(event: PendingEvent, traceparent: string | undefined): EventEnvelope {
    const id = uuidv7();
    const context = messageContext.current();
    return {
      id,
      type: event.type,
      version: event.version,
      occurredAt: this.clock.now().toISOString(),
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      aggregateVersion: event.aggregateVersion,
      correlationId: event.correlationId ?? context?.correlationId ?? id,
      causationId: event.causationId ?? context?.causationId ?? id,
      ...(traceparent ? { traceparent } : {}),
      payload: event.payload,
    };
  }
}
