import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { locatePostgresBinaries } from './embedded/postgres-binaries';
import { placePostgres } from './embedded/placement';
import { initialiseCluster, startPostgres } from './embedded/postgres-process';
import { clearStaleLock } from './embedded/stale-lock';

import { EmbeddedPostgresUnavailable } from './embedded/embedded-postgres-unavailable';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const logger = new Logger('EmbeddedPostgres');

/**
 * A real Postgres 15 from the binaries the `embedded-postgres` package installs, with its data
 * under `dir`, reused by the next start. Run here rather than through the package's class: its
 * binaries cannot be pointed elsewhere (a root process may need a staged copy, see placement.ts),
 * its child processes have no 'error' listener (an unhandled crash), and its exit hook would cut
 * Nest's shutdown short. Every failure is an EmbeddedPostgresUnavailable: one paragraph, no stack.
 */
export async function startEmbeddedPostgres(dir: string, port: number): Promise<EmbeddedDatabase> {
  try {
    return await start(dir, port);
  } catch (error) {
    if (error instanceof EmbeddedPostgresUnavailable) throw error;
    throw new EmbeddedPostgresUnavailable(
      `The embedded Postgres could not start in ${resolve(dir)}: ${(error as Error).message}. ` +
        'Set EMBEDDED_POSTGRES_DIR to a directory this process can create, or DATABASE_URL to a Postgres of your own.',
    );
  }
}

async function start(dir: string, port: number): Promise<EmbeddedDatabase> {
  const password = 'postgres';
  const run = placePostgres(locatePostgresBinaries(), resolve(dir, 'postgres'));
  if (!existsSync(join(run.clusterDir, 'PG_VERSION'))) {
    logger.log(`initialising a new cluster in ${run.clusterDir}`);
    await initialiseCluster(run, password);
  }
  await clearStaleLock(run.clusterDir);
  const server = await startPostgres(run, port);
  logger.log(
    `embedded Postgres 15 on 127.0.0.1:${port}, data in ${run.clusterDir}, binaries in ${run.binDir}` +
      (run.user ? `, running as the user "${run.user.name}"` : ''),
  );
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/shop`, stop: () => server.stop() };
}
