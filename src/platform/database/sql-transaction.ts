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
  /** Statements waiting to travel with BEGIN, ahead of the first statement (`lead`). */
  private readonly leading: Leading[] = [];
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

  /** Nothing sent or queued yet: this unit of work began here (it did not join another). */
  get untouched(): boolean {
    return !this.begun && !this.finished && this.tail.length === 0 && this.leading.length === 0;
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
      if (inlined !== undefined) return resultOf<T>(this.last(await this.sendWithLeading(inlined, text, params)));
      await this.sendWithLeading();
    }
    return resultOf<T>(await this.send(text, params));
  }

  /**
   * A plain statement (no parameters) to run first, sent with BEGIN in the round trip of the
   * transaction's first statement, whatever that is (or of the COMMIT). `answer()` gives its
   * result, sending it on its own if nothing has carried it yet. When its round trip fails, every
   * statement in it failed: the answer is that error.
   */
  lead<T = Record<string, unknown>>(statement: string): LeadingStatement<T> {
    if (this.finished || this.single) throw new Error('only an open transaction takes a leading statement');
    if (this.begun) {
      const sent = this.exec<T>(statement);
      sent.catch(() => undefined);
      return { sent: () => true, answer: () => sent };
    }
    const leading: Leading = { text: statement, sent: false, ...settlable() };
    leading.result.catch(() => undefined);
    this.leading.push(leading);
    return {
      sent: () => leading.sent,
      answer: async () => {
        if (!leading.sent) {
          if (this.finished) throw new Error('the transaction ended before its leading statement was sent');
          this.begun = true;
          await this.sendWithLeading();
        }
        return resultOf<T>(await leading.result);
      },
    };
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
    if (!this.begun && this.tail.length === 0 && this.leading.length === 0) return;
    const head = this.begun ? [] : ['BEGIN', ...this.leading.map((l) => l.text)];
    const text = [...head, ...this.tail, 'COMMIT'].join(';\n');
    const leading = this.begun ? [] : this.leading.splice(0);
    leading.forEach((l) => (l.sent = true));
    this.begun = true;
    let results: QueryResult | QueryResult[];
    try {
      results = (await this.send(text)) as QueryResult | QueryResult[];
      leading.forEach((l, i) => l.resolve((results as QueryResult[])[i + 1]));
    } catch (error) {
      leading.forEach((l) => l.reject(error));
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

  /** BEGIN, the leading statements, then `statement` if given, in one round trip; settles the leading ones. */
  private async sendWithLeading(statement?: string, shownText?: string, shownParams?: unknown[]): Promise<QueryResult | QueryResult[]> {
    const leading = this.leading.splice(0);
    leading.forEach((l) => (l.sent = true));
    const text = ['BEGIN', ...leading.map((l) => l.text), ...(statement === undefined ? [] : [statement])].join('; ');
    try {
      const results = (await this.send(text, undefined, shownText ?? text, shownParams)) as unknown as QueryResult[];
      leading.forEach((l, i) => l.resolve(results[i + 1]));
      return results;
    } catch (error) {
      leading.forEach((l) => l.reject(error));
      throw error;
    }
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

export interface LeadingStatement<T> {
  /** Whether it has gone to Postgres (with another statement, or alone). */
  sent: () => boolean;
  answer: () => Promise<SqlResult<T>>;
}

interface Leading {
  text: string;
  sent: boolean;
  result: Promise<QueryResult>;
  resolve: (result: QueryResult) => void;
  reject: (error: unknown) => void;
}

function settlable(): Pick<Leading, 'result' | 'resolve' | 'reject'> {
  let resolve!: (result: QueryResult) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<QueryResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { result, resolve, reject };
}

const resultOf = <T>(r: QueryResult): SqlResult<T> => ({ rows: (r.rows ?? []) as T[], affected: r.rowCount ?? 0 });
