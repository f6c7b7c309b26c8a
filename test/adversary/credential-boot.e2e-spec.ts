import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/free-port';
import { createTestDatabase } from '../support/test-database';

const MAIN = resolve(__dirname, '../../dist/main.js');
const PASSWORD = 'S3cr3tPw_adv5';

/** The built app (`npm run build`) started as a deployment starts it, killed after `limitMs`: how it ended and what it printed. */
async function boot(env: Record<string, string>, limitMs: number): Promise<{ code: number | null; ms: number; output: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  clearTimeout(timer);
  return { code, ms: Date.now() - started, output };
}

/** What the process said besides the info lines of a normal start (pino JSON level 30, Nest's LOG lines). */
const said = (output: string) => output.split('\n').filter((line) => line.trim() && !line.includes('"level":30') && !/\bLOG\b/.test(line));

/**
 * ADVERSARY (issue 9, item 5): secrets from files and the boot paths an operator meets first.
 * Each must end in one clear line and exit 1, quickly, and never print a secret.
 */
describe('adversary: credential inputs at boot (the built app)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adv-cred-boot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a *_FILE that is a FIFO (or /dev/zero) is refused at once, not read forever', async () => {
    const fifo = join(dir, 'admin-token');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // Nobody ever writes the FIFO: a reader that opens it blocks for good.
    const { code, ms, output } = await boot({ DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:1/x`, ADMIN_TOKEN_FILE: fifo }, 15_000);
    expect({ code, lines: said(output) }).toEqual({ code: 1, lines: ['Invalid configuration:', `  ADMIN_TOKEN_FILE: ${fifo} is not a file`] });
    expect(ms).toBeLessThan(15_000);
    // A character device never ends: only reached once the FIFO is refused, so a regression hangs above instead of eating memory.
    const zero = await boot({ DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:1/x`, NATS_TOKEN_FILE: '/dev/zero', NATS_URL: 'nats://127.0.0.1:1' }, 15_000);
    expect({ code: zero.code, lines: said(zero.output) }).toEqual({ code: 1, lines: ['Invalid configuration:', '  NATS_TOKEN_FILE: /dev/zero is not a file'] });
  });

  // Found by the adversarial review: TypeORM's 9 retries per module and a stack each; now one
  // connection per database is tried before Nest starts (platform/database/postgres-preflight.ts).
  it.each([
    ['refused', 'postgres://postgres:PW@127.0.0.1:1/x', /Postgres.*127\.0\.0\.1:1.*ECONNREFUSED|refused/i],
    ['without TLS under sslmode=verify-full', 'postgres://postgres:PW@127.0.0.1:5432/DB?sslmode=verify-full', /Postgres.*(SSL|TLS)/i],
  ])('a Postgres %s at boot: exit 1 within 10 s, one line naming it, no stack, no password', async (_why, template, reason) => {
    const db = await createTestDatabase('advpgboot');
    try {
      const url = template.replace('PW', PASSWORD).replace('DB', db.name);
      const { code, ms, output } = await boot({ DATABASE_URL: url }, 12_000);
      expect(output).not.toContain(PASSWORD);
      expect(code).toBe(1);
      expect(said(output)).toEqual([expect.stringMatching(reason)]);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await db.drop();
    }
  });
});
