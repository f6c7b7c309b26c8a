import { spawnSync } from 'node:child_process';
import { EmbeddedPostgresUnavailable } from './embedded-postgres-unavailable';

/** The identity Postgres runs as. Postgres refuses root, so a root process runs it as `postgres`. */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** The system user `postgres`, created if missing (as the `embedded-postgres` package does). */
export function postgresUser(): SystemUser {
  const existing = lookUp('postgres');
  if (existing) return existing;
  const failures: string[] = [];
  for (const [command, args] of [
    ['groupadd', ['--system', 'postgres']],
    ['useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']],
  ] as const) {
    const run = spawnSync(command, args, { encoding: 'utf8' });
    if (run.status !== 0) failures.push(`${command}: ${(run.error?.message ?? run.stderr).trim()}`);
  }
  const created = lookUp('postgres');
  if (created) return created;
  throw new EmbeddedPostgresUnavailable(
    'The embedded Postgres cannot start: Postgres refuses to run as root, so this process runs it as the system user ' +
      `"postgres", which does not exist and could not be created (${failures.join('; ')}). Create it ` +
      '(`useradd --system postgres`), run as an ordinary user, or set DATABASE_URL to a Postgres of your own.',
  );
}

function lookUp(name: string): SystemUser | undefined {
  const id = (flag: string) => spawnSync('id', [flag, name], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: parseInt(uid.stdout, 10), gid: parseInt(gid.stdout, 10) };
}

export type Access = 'x' | 'rwx';

/**
 * Whether `user` can reach each path, asked of the kernel as that user: spawned with its uid and
 * gid (no supplementary groups), exactly as Postgres will be.
 */
export function canReach(user: SystemUser, checks: ReadonlyArray<readonly [string, Access]>): boolean {
  const tests = checks.map(([, access], i) => {
    const arg = `"\${${i + 1}}"`;
    return access === 'x' ? `test -x ${arg}` : `test -r ${arg} && test -w ${arg} && test -x ${arg}`;
  });
  const run = spawnSync('/bin/sh', ['-c', tests.join(' && '), 'can-reach', ...checks.map(([path]) => path)], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    stdio: 'ignore',
  });
  return run.status === 0;
}
