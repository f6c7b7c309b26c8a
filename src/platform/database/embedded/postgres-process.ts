import { Logger } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresUnavailable } from './embedded-postgres-unavailable';
import { SystemUser } from './postgres-user';

const logger = new Logger('EmbeddedPostgres');
const READY = 'database system is ready to accept connections';

/** Where the binaries are, where the cluster is, and whom Postgres runs as (undefined: this process's user). */
export interface PostgresRun {
  binDir: string;
  clusterDir: string;
  user?: SystemUser;
}

export interface RunningPostgres {
  stop(): Promise<void>;
}

/** A new cluster, as the `embedded-postgres` package makes it: password auth for the user `postgres`. */
export async function initialiseCluster(run: PostgresRun, password: string): Promise<void> {
  const secretDir = mkdtempSync(join(tmpdir(), 'shop-pg-init-'));
  try {
    const passwordFile = join(secretDir, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (run.user) for (const path of [secretDir, passwordFile]) chownSync(path, run.user.uid, run.user.gid);
    const initdb = spawnAs(run, 'initdb', [
      `--pgdata=${run.clusterDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--lc-messages=C',
    ]);
    const code = await new Promise<number | null>((done, fail) => {
      initdb.child.once('error', fail);
      initdb.child.once('close', done);
    }).catch((error: Error) => failure(run, 'initdb could not be run', error.message));
    if (code !== 0) failure(run, `initdb exited with code ${code}`, initdb.tail());
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

/** Starts the server and resolves once it accepts connections; every failure rejects (never an unhandled 'error'). */
export async function startPostgres(run: PostgresRun, port: number): Promise<RunningPostgres> {
  const server = spawnAs(run, 'postgres', ['-D', run.clusterDir, '-p', String(port), '-c', 'lc_messages=C']);
  let exited = false;
  let stopping = false;
  const exit = new Promise<void>((done) => server.child.once('exit', () => ((exited = true), done())));
  await new Promise<void>((ready, fail) => {
    server.child.once('error', (error) => fail(error));
    server.child.once('exit', (code, signal) => fail(new Error(`exited with ${signal ?? `code ${code}`}`)));
    server.onOutput(() => server.tail().includes(READY) && ready());
  }).catch((error: Error) => failure(run, `postgres ${error.message}`, server.tail()));
  server.child.once('exit', (code, signal) => {
    if (!stopping) logger.error(`postgres stopped on its own (${signal ?? `code ${code}`}): ${server.tail()}`);
  });
  return {
    stop: async () => {
      stopping = true;
      if (!exited) server.child.kill('SIGINT');
      await exit;
    },
  };
}

/** Spawns a binary of the cluster, as `run.user`, its output drained (a full pipe would block the server) and its tail kept. */
function spawnAs(run: PostgresRun, binary: string, args: string[]) {
  const path = join(run.binDir, binary);
  makeExecutable(path);
  const child: ChildProcess = spawn(path, args, {
    ...(run.user ? { uid: run.user.uid, gid: run.user.gid } : {}),
    cwd: run.user ? '/' : undefined,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Spawn failures are reported by the callers' own listeners; this one keeps any later 'error' (a failed kill) from crashing the process.
  child.on('error', (error) => logger.warn(`${binary}: ${error.message}`));
  let tail = '';
  const listeners: Array<(text: string) => void> = [];
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-2000);
    for (const listener of listeners) listener(text);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, tail: () => tail.trim(), onOutput: (listener: (text: string) => void) => listeners.push(listener) };
}

/** As the `embedded-postgres` package does: an install may lose the executable bits. */
function makeExecutable(path: string): void {
  try {
    const { mode } = statSync(path);
    if ((mode & 0o555) !== 0o555) chmodSync(path, mode | 0o555);
  } catch {
    /* not ours to fix (read-only file system): spawning says what is wrong */
  }
}

function failure(run: PostgresRun, what: string, detail: string): never {
  throw new EmbeddedPostgresUnavailable(
    `The embedded Postgres could not start: ${what}${detail ? ` (${detail.replace(/\s*\n\s*/g, ' | ')})` : ''}. ` +
      `Binaries: ${run.binDir}; data: ${run.clusterDir}${run.user ? `; running as the user "${run.user.name}"` : ''}. ` +
      'Set DATABASE_URL to use a Postgres of your own instead.',
  );
}
