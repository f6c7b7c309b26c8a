import { Logger } from '@nestjs/common';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../../backoff';
import { EmbeddedPostgresUnavailable } from './embedded-postgres-unavailable';

const logger = new Logger('EmbeddedPostgres');

/**
 * After a crash, postmaster.pid may name a process that is gone (start anyway) or a postgres
 * left running by the killed parent (stop it: this process starts its own).
 */
export async function clearStaleLock(clusterDir: string): Promise<void> {
  const lockFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  const pid = parseInt(readFileSync(lockFile, 'utf8').split('\n')[0], 10);
  if (pid > 0 && isPostgres(pid)) {
    if (parentOf(pid) !== 1) {
      // Its parent still runs it: another process of this checkout owns this database.
      throw new EmbeddedPostgresUnavailable(
        `The embedded Postgres in ${clusterDir} is in use by process ${parentOf(pid)}: one process per data directory ` +
          '(set EMBEDDED_POSTGRES_DIR to another directory, or DATABASE_URL).',
      );
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
