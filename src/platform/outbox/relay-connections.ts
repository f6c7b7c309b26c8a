import { Logger } from '@nestjs/common';
import { Pool, PoolConfig } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

/**
 * The relay's own connections (one per batch in flight), apart from the module's pool: a batch
 * holds its connection while its PubAcks (or in-process consumers) come, and must never wait
 * behind requests, nor make in-process consumers of the same module wait for one.
 *
 * `idle_in_transaction_session_timeout = leaseMs` is the lease of the locked-batch design: a
 * relay whose host vanished (no FIN, so Postgres would not notice for hours) has its session
 * ended after that, and its locks go. A process that dies is noticed at once (its socket closes).
 *
 * `synchronous_commit = off`: a batch's commit does not wait for its WAL to reach the disk. A
 * Postgres crash can lose the last few hundred milliseconds of marks, releases and parks, and
 * every such loss only makes a row be published again: the broker drops the repeat by its id
 * (the inboxes absorb it past the dedup window). Never lost events; the commit wait is gone.
 */
export function relayConnections(dataSource: DataSource, module: string, leaseMs: number, size: number, logger: Logger): Pool {
  const o = dataSource.options as PostgresConnectionOptions;
  const pool = new Pool({
    ...(o.url ? { connectionString: o.url } : { host: o.host, port: o.port, user: o.username, password: o.password as string, database: o.database }),
    ssl: o.ssl as PoolConfig['ssl'],
    max: size,
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
    // The pid tells an operator (and the takeover suite) which process holds a batch's locks.
    application_name: `shop:${module}:relay:${process.pid}`,
    options: `-c idle_in_transaction_session_timeout=${leaseMs} -c synchronous_commit=off`,
  });
  // An idle connection cut by a Postgres restart: the next claim opens another.
  pool.on('error', (error) => logger.warn(`a relay connection failed: ${error.message}`));
  return pool;
}
