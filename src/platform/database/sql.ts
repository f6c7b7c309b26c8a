import { EntityManager, QueryFailedError } from 'typeorm';
import { resultOf } from './sql-results';
import { SqlResult, SqlTransaction, Statement } from './sql-transaction';
import { poolOf } from './transaction-runner';

/**
 * Where a repository's statements run: the open transaction of a unit of work (`SqlTransaction`),
 * or a data source's manager for a statement on its own (each then its own transaction).
 */
export type Sql = SqlTransaction | EntityManager;

/**
 * The one way repositories talk SQL. TypeORM's `query` answers UPDATE/DELETE … RETURNING with
 * `[rows, count]` but SELECT and INSERT with `rows`; these never guess.
 */
export const sql = {
  async exec<T = Record<string, unknown>>(m: Sql, text: string, params: unknown[] = []): Promise<SqlResult<T>> {
    if (m instanceof SqlTransaction) return m.exec<T>(text, params);
    if (m.queryRunner) {
      const result = await m.queryRunner.query(text, params, true);
      return { rows: (result.records ?? []) as T[], affected: result.affected ?? 0 };
    }
    return alone<T>(m, text, params);
  },

  async rows<T = Record<string, unknown>>(m: Sql, text: string, params: unknown[] = []): Promise<T[]> {
    return (await sql.exec<T>(m, text, params)).rows;
  },

  /**
   * A write whose answer nobody reads (no RETURNING, no row count): inside a transaction it goes
   * with the COMMIT, in that round trip, after the statements sent before it; a failure fails the
   * commit, and the whole unit of work rolls back as it would have. Only for a unit's last
   * writes: nothing after it may read what it writes.
   */
  async later(m: Sql, text: string, params: unknown[] = []): Promise<void> {
    const inlined = m instanceof SqlTransaction && m.open ? m.plain(text, params) : undefined;
    if (inlined === undefined) await sql.exec(m, text, params);
    else (m as SqlTransaction).atCommit(inlined);
  },

  /**
   * Statements whose parameters do not depend on each other's answers: in one round trip inside a
   * unit of work (SqlTransaction.execMany), one by one elsewhere. Their results, in order.
   */
  async batch(m: Sql, statements: readonly Statement[]): Promise<SqlResult<Record<string, unknown>>[]> {
    if (m instanceof SqlTransaction) return m.execMany(statements);
    const results: SqlResult<Record<string, unknown>>[] = [];
    for (const [text, params] of statements) results.push(await sql.exec(m, text, params ? [...params] : []));
    return results;
  },

  /**
   * A last write like `later`, whose answer is read after the commit (in an after-commit
   * callback, to act on what it wrote): it settles once the commit is done, and rejects if the
   * transaction did not commit. Never await it inside the unit of work: it waits for the COMMIT.
   * A statement that cannot be inlined is sent at once (the COMMIT waits for it), answered the same way.
   */
  laterAnswered<T = Record<string, unknown>>(m: Sql, text: string, params: unknown[] = []): Promise<SqlResult<T>> {
    if (!(m instanceof SqlTransaction && m.open)) return sql.exec<T>(m, text, params);
    const inlined = m.plain(text, params);
    const answer = inlined === undefined ? m.execAnsweredAtCommit<T>(text, params) : m.atCommitAnswered(inlined).then((r) => resultOf<T>(r));
    // Rejected when the unit rolls back, which the unit's own error reports: an answer read late
    // (after a ROLLBACK round trip) or never must not be an unhandled rejection, which ends the process.
    answer.catch(() => undefined);
    return answer;
  },

  async one<T = Record<string, unknown>>(m: Sql, text: string, params: unknown[] = []): Promise<T | undefined> {
    return (await sql.exec<T>(m, text, params)).rows[0];
  },
};

/**
 * A statement on its own (its own transaction) on a pooled connection, with `pg` directly: TypeORM's
 * query runner (made, connected and released per statement) was 2% of the Node thread at 80 orders/s,
 * for the activity log's rows and the relays' backlog counts. Errors as TypeORM raised them
 * (QueryFailedError, the SQLSTATE on `code`), as in a unit of work (SqlTransaction). Not `pool.query`:
 * it closes the session on any error, a refused row included, and the statements prepared on it go too.
 */
async function alone<T>(m: EntityManager, text: string, params: unknown[]): Promise<SqlResult<T>> {
  const client = await poolOf(m.connection).connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    const result = await client.query(text, params);
    return { rows: (result.rows ?? []) as T[], affected: result.rowCount ?? 0 };
  } catch (error) {
    const fromPostgres = error instanceof Error && 'severity' in error;
    // Only a session Postgres ended (FATAL, PANIC) or a broken socket leaves the pool.
    if (!fromPostgres || ['FATAL', 'PANIC'].includes(String(error.severity))) broken = error as Error;
    throw fromPostgres ? new QueryFailedError(text, params, error) : error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
