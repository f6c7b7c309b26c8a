import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * A baseline server (a TypeScript file run through tsx) as its own process, like the shop: it
 * prints `READY <port>` once it listens, and stops on SIGTERM.
 */
export class ChildServer {
  private child?: ChildProcess;
  port = 0;
  private output = '';

  constructor(
    private readonly script: string,
    private readonly env: Record<string, string>,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(timeoutMs = 60_000): Promise<this> {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '..', this.script)], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`${this.script} did not start:\n${this.output}`)), timeoutMs);
      const read = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString()).slice(-4000);
        const ready = /READY (\d+)/.exec(this.output);
        if (ready && !this.port) {
          this.port = Number(ready[1]);
          clearTimeout(timer);
          done(this);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (!this.port) fail(new Error(`${this.script} exited (${code}):\n${this.output}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
