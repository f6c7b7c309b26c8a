import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';

/**
 * A TransactionRunner on a bare pg pool (or anything with `connect`), without a TypeORM data
 * source: `poolOf` reads only the driver's pool. `prepare` as DATABASE_PREPARED_STATEMENTS.
 */
export function runnerOnPool(pool: Pick<Pool, 'connect'>, prepare = true): TransactionRunner {
  return new TransactionRunner({ driver: { master: pool } } as unknown as DataSource, prepare);
}
