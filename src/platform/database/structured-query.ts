import { DataSource } from 'typeorm';

/**
 * Runs one statement and returns its rows whatever the command. TypeORM's `query` answers
 * UPDATE/DELETE … RETURNING with `[rows, count]` but SELECT with `rows`; this never guesses.
 */
export async function structuredQuery<T>(
  dataSource: DataSource,
  sql: string,
  params: unknown[],
): Promise<{ rows: T[]; affected: number }> {
  const runner = dataSource.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return { rows: result.records as T[], affected: result.affected ?? 0 };
  } finally {
    await runner.release();
  }
}
