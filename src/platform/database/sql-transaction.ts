import { PoolClient, QueryResult } from 'pg';
import { QueryFailedError } from 'typeorm';
import { inlineParams } from './inline-params';

export interface SqlResult<T> {
  rows: T[];
  affected: number;
}

/**
 * One transaction on one pooled pg connection, in as few round trips as the statements allow:
 * BEGIN travels with the first statement, and the statements queued with `atCommit` (the
 * outbox's insert) travel with COMMIT. node-pg sends one statement per round trip, and each one
 * costs both processes a write and a wake-up: a consumer's delivery was BEGIN, inbox, effect,
 * outbox, COMMIT (five), it is now two plus its effect.
 */
export class SqlTransaction {
  private begun = false;
  private finished = false;
  /** The connection's state is unknown (a ROLLBACK failed, the socket broke): it must not be pooled again. */
  unusable = false;
  private readonly tail: string[] = [];
  readonly afterCommit: (() => void)[] = [];

  /** `single`: one statement that is its own transaction (no BEGIN, no COMMIT); no outbox rows. */
  constructor(
    private readonly client: PoolClient,
    private readonly single = false,
  ) {}

  /** A transaction the outbox can write with (a single statement is none). */
  get open(): boolean {
    return !this.finished && !this.single;
  }

  async exec<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<SqlResult<T>> {
    if (this.finished) throw new Error('the transaction has ended');
    if (this.single) {
      if (this.begun) throw new Error('a single-statement unit of work ran a second statement: use run()');
      this.begun = true;
      return resultOf<T>(await this.send(text, params));
    }
    if (!this.begun) {
      this.begun = true;
      const inlined = inlineParams(text, params);
      if (inlined !== undefined) return resultOf<T>(this.last(await this.send(`BEGIN; ${inlined}`, undefined, text, params)));
      await this.send('BEGIN');
    }
    return resultOf<T>(await this.send(text, params));
  }

  /** A statement (already plain SQL, no parameters) that runs just before COMMIT, in its round trip. */
  atCommit(statement: string): void {
    if (this.finished) throw new Error('the transaction has ended');
    this.tail.push(statement);
  }

  async commit(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (this.single) return;
    if (!this.begun && this.tail.length === 0) return;
    const text = [...(this.begun ? [] : ['BEGIN']), ...this.tail, 'COMMIT'].join(';\n');
    this.begun = true;
    let results: QueryResult | QueryResult[];
    try {
      results = (await this.send(text)) as QueryResult | QueryResult[];
    } catch (error) {
      // A queued statement failed: Postgres skipped the COMMIT and the transaction is aborted.
      await this.client.query('ROLLBACK').catch(() => (this.unusable = true));
      throw error;
    }
    // A statement failed and the work went on (the error caught): Postgres answers COMMIT with ROLLBACK, no error.
    if (this.last(results).command === 'ROLLBACK') throw new Error('the transaction was aborted by an earlier statement error: COMMIT rolled it back');
  }

  async rollback(): Promise<void> {
    const begun = this.begun && !this.finished && !this.single;
    this.finished = true;
    if (begun) await this.client.query('ROLLBACK').catch(() => (this.unusable = true));
  }

  private last(results: QueryResult | QueryResult[]): QueryResult {
    return Array.isArray(results) ? results[results.length - 1] : results;
  }

  /** Errors as TypeORM raised them before (QueryFailedError, the SQLSTATE on `code`): callers classify them. */
  private async send(text: string, params?: unknown[], shownText = text, shownParams = params): Promise<QueryResult> {
    try {
      return params ? await this.client.query(text, params) : await this.client.query(text);
    } catch (error) {
      if (error instanceof Error && 'severity' in error) {
        // FATAL: Postgres ends the session (terminated, shutting down); the socket may not have closed yet.
        if (error.severity === 'FATAL' || error.severity === 'PANIC') this.unusable = true;
        throw new QueryFailedError(shownText, shownParams, error);
      }
      this.unusable = true;
      throw error;
    }
  }
}

const resultOf = <T>(r: QueryResult): SqlResult<T> => ({ rows: (r.rows ?? []) as T[], affected: r.rowCount ?? 0 });
