import { EntityManager } from 'typeorm';

/**
 * The one way repositories talk SQL. TypeORM's `query` answers UPDATE/DELETE … RETURNING with
 * `[rows, count]` but SELECT and INSERT with `rows`; these never guess.
 */
export const sql = {
  async exec<T = Record<string, unknown>>(m: EntityManager, text: string, params: unknown[] = []): Promise<{ rows: T[]; affected: number }> {
    const own = m.queryRunner ? undefined : m.connection.createQueryRunner();
    try {
      const result = await (m.queryRunner ?? own)!.query(text, params, true);
      return { rows: (result.records ?? []) as T[], affected: result.affected ?? 0 };
    } finally {
      await own?.release();
    }
  },

  async rows<T = Record<string, unknown>>(m: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
    return (await sql.exec<T>(m, text, params)).rows;
  },

  async one<T = Record<string, unknown>>(m: EntityManager, text: string, params: unknown[] = []): Promise<T | undefined> {
    return (await sql.exec<T>(m, text, params)).rows[0];
  },
};
