import { sql, Sql } from './sql';

/**
 * Work a module records in a table of its own and runs outside any transaction (a gateway call,
 * an e-mail): rows with `id`, `attempts`, `next_attempt_at`, `claimed_until` and `last_error`.
 */
export interface DueWorkTable {
  /** Schema-qualified table name. */
  table: string;
  /** SQL condition that makes a row work to do (e.g. `sent_at IS NULL`). */
  due: string;
  /** The RETURNING list of a claim. */
  returning: string;
}

/** Claims up to `limit` due rows for `leaseMs`: a worker that died mid-call is taken over after that. */
export function claimDueWork<T>(m: Sql, work: DueWorkTable, limit: number, leaseMs: number): Promise<T[]> {
  return sql.rows<T>(
    m,
    `WITH due AS (
       SELECT id AS due_id FROM ${work.table}
       WHERE (${work.due}) AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
       ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     UPDATE ${work.table} w SET claimed_until = now() + $2::int * interval '1 millisecond'
     FROM due WHERE w.id = due.due_id RETURNING ${work.returning}`,
    [limit, leaseMs],
  );
}

/** The outside system did not answer: try the row again later, 200 ms doubling per attempt, at most 30 s. */
export async function postponeDueWork(m: Sql, work: DueWorkTable, id: string, error: string): Promise<void> {
  await sql.exec(
    m,
    `UPDATE ${work.table} SET attempts = attempts + 1, claimed_until = NULL, last_error = $2,
       next_attempt_at = now() + LEAST(30000, 200 * power(2, LEAST(attempts, 20))) * interval '1 millisecond'
     WHERE id = $1`,
    [id, error.slice(0, 2000)],
  );
}
