import { PoolClient, Query, QueryResult } from 'pg';

/**
 * Statements that open a connection's next transaction right after a COMMIT, in the commit's own
 * round trip, and whoever owns the connection afterwards. The outbox hands its relay the claim of
 * the rows a transaction appended this way: the relay's claim costs no round trip of its own and
 * no wait for a pooled connection, and the commit → publish hop is shorter by both.
 */
export interface ConnectionHandOff {
  /** The statements (plain SQL) to send after COMMIT; undefined: none this time (the taker is busy). */
  statements(): string | undefined;
  /** The commit and the statements succeeded: the connection is the taker's (it ends the transaction and releases it). */
  take(client: PoolClient, results: QueryResult[]): void;
  /** The statements were not sent, failed, or the commit failed: the connection goes back to the pool. */
  declined(): void;
}

/**
 * A simple query that counts the statements Postgres completed: when a round trip of a COMMIT
 * and the statements after it fails, it tells whether the COMMIT was done (the error is then the
 * later statements'). node-pg's Query is its documented Submittable; only the counting is added.
 */
class CountingQuery extends Query {
  readonly completed: string[] = [];

  handleCommandComplete(msg: { text?: string }, connection: unknown): void {
    // The command tag: "COMMIT", "INSERT 0 1"...
    this.completed.push((msg.text ?? '').split(' ')[0]);
    (Query.prototype as unknown as { handleCommandComplete: (m: unknown, c: unknown) => void }).handleCommandComplete.call(this, msg, connection);
  }
}

export interface CountedAnswer {
  results?: QueryResult[];
  error?: unknown;
  /** The command tags of the statements that completed, in order (a failing one has none). */
  completed: readonly string[];
}

/** Sends `text` as one simple query; never throws: the error comes with what completed before it. */
export function sendCounted(client: PoolClient, text: string): Promise<CountedAnswer> {
  return new Promise((done) => {
    const query = new CountingQuery(text, (error: Error | undefined, result: unknown) =>
      done(error ? { error, completed: query.completed } : { results: Array.isArray(result) ? result : [result as QueryResult], completed: query.completed }),
    );
    client.query(query);
  });
}
