import { PoolClient, QueryResult } from 'pg';
import { QueryFailedError } from 'typeorm';
import { ConnectionHandOff, sendCounted } from './connection-hand-off';
import { inlineParams } from './inline-params';
import { PreparedStatements } from './prepared-statements';
import { asArray, Leading, LeadingStatement, resultOf, Settlable, settlable, SqlResult, Statement } from './sql-results';

export type { LeadingStatement, SqlResult, Statement };

/**
 * One transaction on one pooled pg connection, in as few round trips as the statements allow:
 * BEGIN travels with the first statement, and the statements queued with `atCommit` (the
 * outbox's insert) travel with COMMIT. node-pg sends one statement per round trip, and each one
 * costs both processes a write and a wake-up: a consumer's delivery was BEGIN, inbox, effect,
 * outbox, COMMIT (five); with the inbox row leading (`lead`) and the last writes at the COMMIT
 * it is one round trip plus the handler's reads.
 */
export class SqlTransaction {
  private begun = false;
  private finished = false;
  /** The connection's state is unknown (a ROLLBACK failed, the socket broke): it must not be pooled again. */
  unusable = false;
  private readonly tail: string[] = [];
  /** Tail statements whose answers someone reads after the commit, by their place in `tail`. */
  private readonly answered = new Map<number, Settlable>();
  /** Tail statements sent before the COMMIT (flushTail) whose answers still settle with it. */
  private readonly flushed: [Settlable, QueryResult][] = [];
  /** Statements sent at once whose answers are read after the commit (execAnsweredAtCommit). */
  private readonly answeredSent: Settlable[] = [];
  /** Statements waiting to travel with BEGIN, ahead of the first statement (`lead`). */
  private readonly leading: Leading[] = [];
  readonly afterCommit: (() => void)[] = [];
  private handOffTo?: ConnectionHandOff;
  /** A hand-off took the connection after the commit: the unit must not give it back to the pool. */
  handedOff = false;
  /**
   * Statements sent and not answered yet. A unit may leave one unawaited (sql.laterAnswered when
   * it cannot be inlined runs at once): COMMIT and ROLLBACK wait for them, or the statement would
   * reach Postgres after them, outside the transaction, on a connection back in the pool.
   */
  private readonly inFlight = new Set<Promise<unknown>>();

  /**
   * `single`: one statement that is its own transaction (no BEGIN, no COMMIT); no outbox rows.
   * `statements`: the connection's prepared statements, when they are used (PreparedStatements).
   */
  constructor(
    private readonly client: PoolClient,
    private readonly single = false,
    private readonly statements?: PreparedStatements,
  ) {}

  /** A transaction the outbox can write with (a single statement is none). */
  get open(): boolean {
    return !this.finished && !this.single;
  }

  exec<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<SqlResult<T>> {
    return this.tracked(() => this.execNow<T>(text, params));
  }

  /**
   * A statement as plain SQL, to travel with others in one round trip: EXECUTE of its prepared
   * form on this connection, or its values inlined; undefined when neither can carry them.
   */
  plain(text: string, params: readonly unknown[]): string | undefined {
    return this.statements ? this.statements.plain(text, params) : inlineParams(text, params);
  }

  private async execNow<T>(text: string, params: unknown[]): Promise<SqlResult<T>> {
    if (this.finished) throw new Error('the transaction has ended');
    if (this.single) {
      if (this.begun) throw new Error('a single-statement unit of work ran a second statement: use run()');
      this.begun = true;
      return resultOf<T>(await this.sendAlone(text, params));
    }
    if (!this.begun) {
      this.begun = true;
      const inlined = this.plain(text, params);
      if (inlined !== undefined) return resultOf<T>((await this.sendWithLeading(inlined, text, params))[0]);
      await this.sendWithLeading();
    }
    return resultOf<T>(await this.sendAlone(text, params));
  }

  /** A statement in a round trip of its own: EXECUTE when it is prepared (one message, no parse or plan), else with parameters. */
  private sendAlone(text: string, params: unknown[]): Promise<QueryResult> {
    const prepared = this.statements?.execute(text, params);
    return prepared === undefined ? this.send(text, params) : this.send(prepared, undefined, text, params);
  }

  /**
   * Statements whose parameters do not depend on each other's answers, in one round trip (inside
   * the transaction each one sees what the ones before it did, and in READ COMMITTED takes its own
   * snapshot: a read after a lock sees what committed before the lock was granted). One by one
   * when one of them cannot be inlined.
   */
  execMany(statements: readonly Statement[]): Promise<SqlResult<Record<string, unknown>>[]> {
    return this.tracked(() => this.execManyNow(statements));
  }

  private async execManyNow(statements: readonly Statement[]): Promise<SqlResult<Record<string, unknown>>[]> {
    if (this.finished) throw new Error('the transaction has ended');
    if (this.single && statements.length > 1) throw new Error('a single-statement unit of work ran several statements: use run()');
    const inlined = statements.map(([text, params]) => this.plain(text, params ?? []));
    if (statements.length < 2 || inlined.some((text) => text === undefined)) {
      const results: SqlResult<Record<string, unknown>>[] = [];
      for (const [text, params] of statements) results.push(await this.execNow(text, params ? [...params] : []));
      return results;
    }
    const text = inlined.join(';\n');
    const shown = statements.map(([t]) => t).join(';\n');
    if (!this.begun) {
      this.begun = true;
      return (await this.sendWithLeading(text, shown)).map((r) => resultOf(r));
    }
    return asArray(await this.send(text, undefined, shown)).map((r) => resultOf(r));
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

  /**
   * Like `atCommit`, for a write whose answer is read once the commit is done (to act on what it
   * wrote, in an after-commit callback): settles after the commit's round trip, and rejects if the
   * transaction did not commit.
   */
  atCommitAnswered(statement: string): Promise<QueryResult> {
    this.atCommit(statement);
    const answer = settlable();
    answer.result.catch(() => undefined);
    this.answered.set(this.tail.length - 1, answer);
    return answer.result;
  }

  /**
   * `atCommitAnswered` for a statement that cannot be inlined: sent now (the unit need not await
   * it, COMMIT waits for it), answered once the commit is done; rejects if it did not commit.
   */
  execAnsweredAtCommit<T = Record<string, unknown>>(text: string, params: unknown[]): Promise<SqlResult<T>> {
    const sent = this.exec<T>(text, params);
    sent.catch(() => undefined);
    const committed = settlable();
    committed.result.catch(() => undefined);
    this.answeredSent.push(committed);
    return committed.result.then(() => sent);
  }

  /**
   * Sends the statements queued for the COMMIT now, in one round trip: a group of deliveries in one
   * transaction (GroupedDeliveries) runs the next event's handlers after the last one's deferred
   * writes, which they may read (a counter read, then written with the COMMIT, would lose updates).
   * Answers read after the commit still settle with it.
   */
  flushTail(): Promise<void> {
    return this.tracked(async () => {
      if (this.finished) throw new Error('the transaction has ended');
      if (this.tail.length === 0) return;
      const text = this.tail.splice(0).join(';\n');
      const answered = [...this.answered];
      this.answered.clear();
      let results: QueryResult[];
      if (this.begun) results = asArray(await this.send(text));
      else {
        this.begun = true;
        results = await this.sendWithLeading(text);
      }
      for (const [i, answer] of answered) this.flushed.push([answer, results[i]]);
    });
  }

  /**
   * Sends `handOff`'s statements after the COMMIT, in its round trip, and gives it the connection
   * when both succeed (ConnectionHandOff). One per transaction: false when one is set already.
   */
  handOffAfterCommit(handOff: ConnectionHandOff): boolean {
    if (!this.open) throw new Error('only an open transaction hands its connection off');
    if (this.handOffTo) return false;
    this.handOffTo = handOff;
    return true;
  }

  async commit(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const handOff = this.handOffTo;
    try {
      await this.settled();
      if (this.single) return;
      if (!this.begun && this.tail.length === 0 && this.leading.length === 0) return;
      // A statement whose answer is read after the commit needs the commit's answers whole: no hand-off then.
      const answersRead = this.answered.size > 0 || this.answeredSent.length > 0 || this.flushed.length > 0;
      await this.commitWith(answersRead ? undefined : this.followingOf(handOff), handOff);
    } finally {
      if (handOff && !this.handedOff) handOff.declined();
    }
  }

  /**
   * The hand-off's statements, none when it throws (OutboxClaims refusing an id): the commit goes
   * alone. A throw here once skipped the COMMIT, and the connection went back to the pool inside
   * the transaction, for the next unit of work to commit along with its own.
   */
  private followingOf(handOff: ConnectionHandOff | undefined): string | undefined {
    try {
      return handOff?.statements();
    } catch {
      return undefined;
    }
  }

  private async commitWith(following: string | undefined, handOff: ConnectionHandOff | undefined): Promise<void> {
    const head = this.begun ? [] : ['BEGIN', ...this.leading.map((l) => l.text)];
    const commitAt = head.length + this.tail.length;
    const text = [...head, ...this.tail, 'COMMIT', ...(following ? [following] : [])].join(';\n');
    const leading = this.begun ? [] : this.leading.splice(0);
    leading.forEach((l) => (l.sent = true));
    this.begun = true;
    let results: QueryResult | QueryResult[];
    try {
      results = following ? await this.sendFollowed(text, commitAt) : ((await this.send(text)) as QueryResult | QueryResult[]);
      leading.forEach((l, i) => l.resolve((results as QueryResult[])[i + 1]));
    } catch (error) {
      leading.forEach((l) => l.reject(error));
      this.rejectAnswers(error);
      // A queued statement failed: Postgres skipped the COMMIT and the transaction is aborted.
      await this.client.query('ROLLBACK').catch(() => (this.unusable = true));
      throw error;
    }
    const all = asArray(results);
    // A statement failed and the work went on (the error caught): Postgres answers COMMIT with ROLLBACK, no error.
    if (all[commitAt]?.command === 'ROLLBACK') {
      const error = new Error('the transaction was aborted by an earlier statement error: COMMIT rolled it back');
      this.rejectAnswers(error);
      // The statements after it opened a transaction of their own: nobody takes it.
      if (following) await this.client.query('ROLLBACK').catch(() => (this.unusable = true));
      throw error;
    }
    this.answered.forEach((a, i) => a.resolve(all[head.length + i]));
    this.answeredSent.forEach((a) => a.resolve(all[0]));
    this.flushed.forEach(([a, result]) => a.resolve(result));
    if (following && handOff && all.length > commitAt + 1) {
      this.handedOff = true;
      handOff.take(this.client, all.slice(commitAt + 1));
    }
  }

  /**
   * The commit's round trip with a hand-off's statements after the COMMIT. When it fails after the
   * COMMIT was done, the commit stands: the later statements' transaction is rolled back and the
   * answers so far are all the caller gets (the hand-off is declined).
   */
  private async sendFollowed(text: string, commitAt: number): Promise<QueryResult[]> {
    const answer = await sendCounted(this.client, text);
    if (answer.results) return answer.results;
    if (answer.completed.length > commitAt && answer.completed[commitAt] === 'COMMIT') {
      await this.client.query('ROLLBACK').catch(() => (this.unusable = true));
      return answer.completed.slice(0, commitAt + 1).map((command) => ({ command, rows: [], rowCount: 0 }) as unknown as QueryResult);
    }
    throw this.failure(answer.error, text);
  }

  async rollback(): Promise<void> {
    const begun = this.begun && !this.finished && !this.single;
    this.finished = true;
    await this.settled();
    this.rejectAnswers(new Error('the transaction rolled back'));
    if (begun) await this.client.query('ROLLBACK').catch(() => (this.unusable = true));
  }

  /** Every answer someone waits to read after the commit: the transaction did not commit. */
  private rejectAnswers(error: unknown): void {
    this.answered.forEach((a) => a.reject(error));
    this.answeredSent.forEach((a) => a.reject(error));
    this.flushed.forEach(([a]) => a.reject(error));
  }

  /**
   * BEGIN, the leading statements, then `statements` (plain SQL, `;`-joined) if given, in one
   * round trip; settles the leading ones and returns the results of `statements`.
   */
  private async sendWithLeading(statements?: string, shownText?: string, shownParams?: unknown[]): Promise<QueryResult[]> {
    const leading = this.leading.splice(0);
    leading.forEach((l) => (l.sent = true));
    const text = ['BEGIN', ...leading.map((l) => l.text), ...(statements === undefined ? [] : [statements])].join('; ');
    try {
      const results = asArray(await this.send(text, undefined, shownText ?? text, shownParams));
      leading.forEach((l, i) => l.resolve(results[i + 1]));
      return results.slice(1 + leading.length);
    } catch (error) {
      leading.forEach((l) => l.reject(error));
      throw error;
    }
  }

  private tracked<R>(run: () => Promise<R>): Promise<R> {
    const running = run();
    const entry: Promise<unknown> = running.then(
      () => this.inFlight.delete(entry),
      () => this.inFlight.delete(entry),
    );
    this.inFlight.add(entry);
    return running;
  }

  /** Every statement sent so far has its answer (its error included). */
  private async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Errors as TypeORM raised them before (QueryFailedError, the SQLSTATE on `code`): callers classify them. */
  private async send(text: string, params?: unknown[], shownText = text, shownParams = params): Promise<QueryResult> {
    try {
      return params ? await this.client.query(text, params) : await this.client.query(text);
    } catch (error) {
      throw this.failure(error, shownText, shownParams);
    }
  }

  private failure(error: unknown, shownText: string, shownParams?: unknown[]): unknown {
    this.statements?.failed(error);
    if (error instanceof Error && 'severity' in error) {
      // FATAL: Postgres ends the session (terminated, shutting down); the socket may not have closed yet.
      if (error.severity === 'FATAL' || error.severity === 'PANIC') this.unusable = true;
      return new QueryFailedError(shownText, shownParams, error);
    }
    this.unusable = true;
    return error;
  }
}
