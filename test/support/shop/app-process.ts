import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../free-port';
import { waitFor } from '../wait-for';

const MAIN = resolve(__dirname, '../../../dist/main.js');

/** The built application (`dist/main.js`) as a plain process, the way a deployment runs it. */
export class AppProcess {
  port = 0;
  private child?: ChildProcess;
  readonly logFile: string;

  constructor(
    readonly name: string,
    readonly env: Record<string, string>,
    /** Another build of the app (the bench compares against a reference build). */
    private readonly main = MAIN,
  ) {
    this.logFile = join(tmpdir(), `shop-${env.MESSAGING_NAMESPACE ?? 'x'}-${name}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<this> {
    const chosenHere = !this.port;
    for (let attempt = 1; ; attempt++) {
      this.port ||= await freePort();
      try {
        return await this.launch();
      } catch (error) {
        // Another process took the free port between freePort and the app's listen (suites in
        // parallel workers, or an outgoing connection's ephemeral port): another port. A port the
        // test chose (a restart on the same address) is its to keep.
        if (!chosenHere || attempt >= 3 || !/EADDRINUSE/.test(this.logTail())) throw error;
        this.port = 0;
      }
    }
  }

  private async launch(): Promise<this> {
    const log = openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, [this.main], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'warn', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    try {
      await waitFor(`${this.name} healthy`, async () => {
        if (!this.running) throw new Error(`${this.name} exited during start`);
        return fetch(`${this.url}/health`).then((r) => r.ok, () => false);
      }, { timeoutMs: 60_000, intervalMs: 200 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${this.logFile} ---\n${this.logTail()}`);
    }
    return this;
  }

  /** SIGTERM and wait for the exit (SIGKILL after the grace period); says how it ended. */
  async stop(graceMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || !this.running) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    );
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
