import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';

/**
 * A TransactionRunner on a bare pg pool (or anything with `connect`), without a TypeORM data
 * source: `poolOf` reads only the driver's pool. `prepare` as DATABASE_PREPARED_STATEMENTS.
 */
export function runnerOnPool(pool: Pick<Pool, 'connect'>, prepare = true): TransactionRunner {
  return new TransactionRunner({ driver: { master: pool } } as unknown as DataSource, prepare);
}

/**
 * A pool of one connection (every unit of work on the session a test reads) that records the text
 * of every query sent on it, in order, into `sent`.
 */
export function recordingPool(url: string, sent: string[]): Pool {
  const pool = new Pool({ connectionString: url, max: 1 });
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      if (text) sent.push(text);
      return query(...args);
    };
  });
  return pool;
}

/** Seq Scans of `table` so far, this session's own counted (forced into the view, read in a later transaction). */
export async function seqScans(pool: Pool, table: string): Promise<number> {
  await pool.query('SELECT pg_stat_force_next_flush()');
  return Number((await pool.query('SELECT seq_scan FROM pg_stat_user_tables WHERE relid = $1::regclass', [table])).rows[0].seq_scan);
}
