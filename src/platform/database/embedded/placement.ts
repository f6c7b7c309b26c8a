import { Logger } from '@nestjs/common';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EmbeddedPostgresUnavailable } from './embedded-postgres-unavailable';
import { PostgresBinaries } from './postgres-binaries';
import { PostgresRun } from './postgres-process';
import { canReach, isRoot, postgresUser, SystemUser } from './postgres-user';
import { prepareRelocatedCluster, relocatedClusterDir, stageBinaries, STAGING_ROOT } from './staging';

const logger = new Logger('EmbeddedPostgres');

/**
 * Where Postgres runs from and keeps its data. Not root: the package's binaries and the requested
 * directory, as they are. Root: Postgres runs as `postgres`; what that user cannot reach (a
 * checkout under /root, a `mktemp -d`) is staged under STAGING_ROOT, and the log says where.
 */
export function placePostgres(binaries: PostgresBinaries, requestedClusterDir: string, root = STAGING_ROOT): PostgresRun {
  const binDir = join(binaries.nativeDir, 'bin');
  if (!isRoot()) return { binDir, clusterDir: requestedClusterDir };
  const user = postgresUser();
  return { binDir: reachableBinaries(binaries, user, root), clusterDir: reachableCluster(requestedClusterDir, user, root), user };
}

function reachableBinaries(binaries: PostgresBinaries, user: SystemUser, root: string): string {
  const { nativeDir } = binaries;
  const needed = (dir: string) => [[join(dir, 'bin', 'initdb'), 'x'], [join(dir, 'bin', 'postgres'), 'x'], [join(dir, 'lib'), 'x'], [join(dir, 'share'), 'x']] as const;
  if (canReach(user, needed(nativeDir))) return join(nativeDir, 'bin');
  const staged = stageBinaries(binaries, root);
  if (!canReach(user, needed(staged))) {
    throw new EmbeddedPostgresUnavailable(
      `The embedded Postgres cannot start: as root it runs as the user "${user.name}", which can reach neither ` +
        `${nativeDir} nor the copy staged in ${staged} (check the modes of their parent directories). ` +
        'Run as an ordinary user, or set DATABASE_URL to a Postgres of your own.',
    );
  }
  logger.log(`the user "${user.name}" (Postgres refuses root) cannot reach ${nativeDir}: running the copy staged in ${staged}`);
  return join(staged, 'bin');
}

/**
 * The requested directory if `postgres` can own and reach it; else a postgres-owned directory keyed
 * by the requested path, found again by every later start from the same place.
 */
function reachableCluster(requested: string, user: SystemUser, root: string): string {
  const relocated = relocatedClusterDir(requested, root);
  const hasCluster = (dir: string) => existsSync(join(dir, 'PG_VERSION'));
  if (hasCluster(relocated) && !hasCluster(requested)) {
    logger.log(`data kept in ${relocated} (the user "${user.name}" could not reach ${requested} when it was created)`);
    return relocated;
  }
  if (claim(requested, user)) return requested;
  if (hasCluster(requested)) {
    logger.warn(`the cluster in ${requested} is no longer reachable by the user "${user.name}": starting a new one`);
  }
  const prepared = prepareRelocatedCluster(requested, user, root);
  logger.log(`the user "${user.name}" cannot reach ${requested}: data kept in ${prepared} instead (found again on every start with this directory)`);
  return prepared;
}

/** Creates the requested directory for `postgres` (as the package does) and says whether that user can use it. */
function claim(dir: string, user: SystemUser): boolean {
  let nearest = dir;
  while (!existsSync(nearest)) nearest = dirname(nearest);
  if (!canReach(user, [[nearest, 'x']])) return false;
  const created = mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  if (canReach(user, [[dir, 'rwx']])) return true;
  if (created) rmSync(created, { recursive: true, force: true });
  return false;
}
