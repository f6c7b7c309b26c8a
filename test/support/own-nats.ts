import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** A nats-server with JetStream on a test's own store and port: stopped, killed, paused and restarted at will. */
export class OwnNats {
  readonly dir = mkdtempSync(join(tmpdir(), 'own-nats-'));
  private child?: ChildProcess;

  /** `args`: more nats-server flags (`--user/--pass`, `--auth`, `--tls …`), kept across restarts. */
  /**
   * `jetStreamInConfig`: the `-c` file enables JetStream with `store_dir` = `storeDir`. A reload
   * (SIGHUP) rereads only the file: with -js/-sd flags it would refuse the store or drop JetStream.
   */
  constructor(
    readonly port: number,
    private readonly args: string[] = [],
    private readonly jetStreamInConfig = false,
  ) {}

  get storeDir(): string {
    return join(this.dir, 'store');
  }

  get url(): string {
    return `${this.args.includes('--tls') ? 'tls' : 'nats'}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const log = openSync(join(this.dir, 'nats.log'), 'a');
    this.child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), ...(this.jetStreamInConfig ? [] : ['-js', '-sd', this.storeDir]), ...this.args], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    await waitFor('nats-server to listen', () => canConnect(this.port), { timeoutMs: 15_000, intervalMs: 100 });
  }

  /** SIGTERM: a clean stop, the store flushed; `start` brings it back on the same store. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** kill -9: whatever was not on disk is gone; the store is reread at the next start. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  }

  /**
   * A network pause as clients see it: the process is frozen, its sockets stay open. Resolves once
   * every thread has stopped: a signal takes effect when each thread next enters the kernel, and on
   * a loaded machine the server went on answering 45 of 50 publishes sent right after the SIGSTOP.
   */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const pid = child.pid;
    child.kill('SIGSTOP');
    await waitFor('every nats-server thread stopped', () => allThreadsStopped(pid), { timeoutMs: 5_000, intervalMs: 2 });
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGHUP: the server rereads its config file (permissions, say) and applies it to open connections. */
  reload(): void {
    this.child?.kill('SIGHUP');
  }

  async destroy(keep = false): Promise<void> {
    this.resume();
    await this.kill();
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** Every thread of `pid` in the stopped state (`T`, the third field of /proc/<pid>/task/<tid>/stat). */
function allThreadsStopped(pid: number): boolean {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return true; // the process is gone: nothing runs
  }
  return tasks.every((tid) => {
    try {
      return /^T/.test(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /, ''));
    } catch {
      return true; // the thread ended meanwhile
    }
  });
}
