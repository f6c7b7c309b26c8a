import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_TOKEN } from '../support/admin';
import { freePort } from '../support/free-port';
import { NATS_AVAILABLE } from '../support/requires-nats';
import { NATS_URL, testNamespace } from '../support/test-broker';
import { createTestDatabase, POSTGRES_URL, TestDatabase, withDatabase } from '../support/test-database';

const CLI = join(__dirname, '../../dist/cli.js');

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The built CLI as an operator runs it (`npm run cli`), with only the environment given here. */
function cli(env: Record<string, string>, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ADMIN_TOKEN, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ exitCode: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const databaseExists = async (name: string) => {
  const admin = new Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
};

/** What a failed run prints: one line, no stack, no retry loop, no password. */
function expectOneLineFailure(run: Run, message: RegExp): void {
  expect(run.exitCode).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/Retrying|\n\s+at |s3cret/);
}

(existsSync(CLI) ? describe : describe.skip)('operator CLI as a process (dist/cli.js): the database and the broker as the operator gave them', () => {
  let empty: TestDatabase;

  beforeAll(async () => {
    empty = await createTestDatabase('cli_empty');
  });
  afterAll(async () => {
    await empty?.drop();
  });

  it('given Postgres away, fails at once with one line naming where, never the password', async () => {
    const port = await freePort();
    const run = await cli({ DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${port}/shop` }, ['outbox', 'status']);
    expectOneLineFailure(run, new RegExp(`^error: Postgres for orders, inventory, payments, notifications at 127\\.0\\.0\\.1:${port} failed`));
  });

  it('given a mistyped database name, refuses instead of creating an empty database that reports nothing wrong', async () => {
    const typo = `${empty.name}_typo`;
    const run = await cli({ DATABASE_URL: withDatabase(POSTGRES_URL, typo) }, ['outbox', 'status']);
    expectOneLineFailure(run, /does not exist/);
    expect(await databaseExists(typo)).toBe(false);
  });

  (NATS_AVAILABLE ? it : it.skip)('given Postgres away, still answers consumers status from JetStream (when the operator needs it most)', async () => {
    const port = await freePort();
    const run = await cli({ DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${port}/shop`, NATS_URL, MESSAGING_NAMESPACE: testNamespace('cli_nodb') }, ['consumers', 'status']);
    expect(run).toMatchObject({ exitCode: 0, stdout: 'no durable consumers (no module has consumed yet)\n', stderr: '' });
  });

  it("given a database that is not the shop's, refuses and creates no schema there", async () => {
    const run = await cli({ DATABASE_URL: empty.url }, ['dead-letters', 'list']);
    expectOneLineFailure(run, /has no orders, inventory, payments, notifications schema: is DATABASE_URL the shop's database\?/);
    expect(await empty.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('orders', 'inventory', 'payments', 'notifications')`)).toEqual([]);
  });
});
