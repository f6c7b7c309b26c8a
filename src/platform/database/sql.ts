import { EntityManager } from 'typeorm';
import { SqlResult, SqlTransaction } from './sql-transaction';

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
    const own = m.queryRunner ? undefined : m.connection.createQueryRunner();
    try {
      const result = await (m.queryRunner ?? own)!.query(text, params, true);
      return { rows: (result.records ?? []) as T[], affected: result.affected ?? 0 };
    } finally {
      await own?.release();
    }
  },

  async rows<T = Record<string, unknown>>(m: Sql, text: string, params: unknown[] = []): Promise<T[]> {
    return (await sql.exec<T>(m, text, params)).rows;
  },

  async one<T = Record<string, unknown>>(m: Sql, text: string, params: unknown[] = []): Promise<T | undefined> {
    return (await sql.exec<T>(m, text, params)).rows[0];
  },
};
