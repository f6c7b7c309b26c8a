import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EmbeddedPostgresUnavailable } from './embedded-postgres-unavailable';
import { PostgresBinaries } from './postgres-binaries';
import { SystemUser } from './postgres-user';

/**
 * Where a root process keeps what the `postgres` user must reach but cannot where it is:
 * persistent (not /tmp), root-owned, readable by every user.
 */
export const STAGING_ROOT = '/var/lib/shop-embedded-postgres';

const hash = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

/** The staged copy of one release of the binaries: shared by every checkout that uses that release. */
export const stagedBinariesDir = (binaries: PostgresBinaries, root = STAGING_ROOT): string =>
  join(root, `postgres-${hash(binaries.release, 12)}`);

/** The cluster kept for a requested data directory that `postgres` cannot reach: keyed by its absolute path. */
export const relocatedClusterDir = (requestedClusterDir: string, root = STAGING_ROOT): string =>
  join(root, `data-${hash(resolve(requestedClusterDir), 16)}`, 'postgres');

/**
 * Copies the binaries' native/ dir to `stagedBinariesDir`, once per release. The copy is built under
 * a private name and renamed into place whole, so a process sees either no copy or a complete one,
 * and of two processes staging at once, one rename wins and the other uses it.
 */
export function stageBinaries(binaries: PostgresBinaries, root = STAGING_ROOT): string {
  const target = stagedBinariesDir(binaries, root);
  if (existsSync(join(target, 'bin', 'postgres'))) return target;
  ensureStagingRoot(root);
  removeAbandonedCopies(target);
  const building = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    cpSync(binaries.nativeDir, building, { recursive: true, verbatimSymlinks: true });
    openToEveryone(building);
    renameSync(building, target);
  } catch (error) {
    if (!existsSync(join(target, 'bin', 'postgres'))) {
      throw new EmbeddedPostgresUnavailable(
        `The embedded Postgres cannot start: its binaries could not be copied to ${target}, where the user "postgres" ` +
          `could reach them (${(error as Error).message}). Set DATABASE_URL to a Postgres of your own, or run as an ordinary user.`,
      );
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return target;
}

/** A fresh, postgres-owned directory for the relocated cluster, with a note of the directory it stands for. */
export function prepareRelocatedCluster(requestedClusterDir: string, user: SystemUser, root = STAGING_ROOT): string {
  const clusterDir = relocatedClusterDir(requestedClusterDir, root);
  ensureStagingRoot(root);
  mkdirSync(dirname(clusterDir), { recursive: true, mode: 0o755 });
  writeFileSync(join(dirname(clusterDir), 'ORIGIN'), `${resolve(requestedClusterDir)}\n`);
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  chownSync(clusterDir, user.uid, user.gid);
  return clusterDir;
}

/** Root-owned and writable by root alone: what is staged there is run as `postgres`. */
function ensureStagingRoot(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o755 });
    const stat = lstatSync(root);
    if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
      throw new Error(`${root} must be a directory owned by root and writable by root alone`);
    }
    chmodSync(root, 0o755);
  } catch (error) {
    throw new EmbeddedPostgresUnavailable(
      `The embedded Postgres cannot start: as root it runs as the user "postgres", which cannot reach the binaries in ` +
        `node_modules or the data directory, and ${root}, where they would be staged, is not usable ` +
        `(${(error as Error).message}). Make the checkout readable ` +
        '(chmod o+rx on its parents), run as an ordinary user, or set DATABASE_URL to a Postgres of your own.',
    );
  }
}

/** Copies left half-built by processes that died while staging. */
function removeAbandonedCopies(target: string): void {
  const prefix = `${basename(target)}.tmp-`;
  for (const entry of readdirSync(dirname(target))) {
    if (!entry.startsWith(prefix)) continue;
    const pid = parseInt(entry.slice(prefix.length), 10);
    if (!isAlive(pid)) rmSync(join(dirname(target), entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Directories 755, executables 755, other files 644, whatever the umask of the install was. */
function openToEveryone(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openToEveryone(join(path, entry));
  } else {
    chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
  }
}
