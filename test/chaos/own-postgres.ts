import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
const BIN = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/**
 * A Postgres cluster of the chaos run's own (initdb into a temp dir, a free port), so it can be
 * restarted with `-m immediate` (a crash, as far as the clients see) without touching the shared
 * server. Postgres refuses root: as root, every command runs as the `postgres` user.
 */
export class OwnPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'chaos-pg-'));

  constructor(readonly port: number) {}

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** `settings`: more `-c name=value` server settings (ssl=on and its files, say). */
  async start(settings: string[] = []): Promise<void> {
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(this.dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await this.pg('initdb', ['-D', this.data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    const options = [`-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c max_connections=300`, ...settings.map((s) => `-c ${s}`)].join(' ');
    await this.pg('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'postgres.log'), '-o', options, '-w', 'start']);
  }

  /** A crash as clients see it: no checkpoint, every connection cut; up again when this returns. */
  async restartImmediate(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'postgres.log'), '-m', 'immediate', '-w', 'restart']);
  }

  async createDatabase(name: string): Promise<string> {
    const admin = new Client({ connectionString: this.url() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    return this.url(name);
  }

  async destroy(keep = false): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const [cmd, all] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]] : [join(BIN, tool), args];
    await run(cmd as string, all as string[], { timeout: 60_000 });
  }
}
