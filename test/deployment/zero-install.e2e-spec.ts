import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { waitFor } from '../support/wait-for';
import { confirmedOrder, StartedByHand } from '../support/zero-install';

const ROOT = resolve(__dirname, '../..');

/** The checkout as git sees it (tracked and new files, nothing ignored): no node_modules, no dist, no .data. */
function copyCleanCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shop-clone-'));
  // Like a clone in a shared directory (test/deployment/zero-install-root covers one only root can read).
  chmodSync(dir, 0o755);
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(dir, file));
    } catch {
      /* deleted in the work tree but still tracked: a clean checkout would not have it either */
    }
  }
  return dir;
}

describe('zero-install start: a clean checkout with its install, `npm start` with no DATABASE_URL and no NATS_URL', () => {
  let shop: StartedByHand;

  beforeAll(async () => {
    // Exactly the README's command, with an environment that has neither database nor broker.
    shop = new StartedByHand(copyCleanCheckout(), 'npm start');
    // The install of the same lock: CI's own `npm ci` (of a clean clone) laid it out, so the copy's is
    // that tree hard-linked (a second `npm ci` here took 100–125 s of CI's 15 minutes). Without one, installed.
    const installed = join(ROOT, 'node_modules');
    if (existsSync(installed)) execFileSync('cp', ['-al', installed, join(shop.dir, 'node_modules')]);
    else execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: shop.dir, stdio: 'ignore', timeout: 300_000 });
  });
  afterAll(async () => {
    await shop.stop().catch(() => undefined);
    rmSync(shop.dir, { recursive: true, force: true });
  });

  it('serves the saga, survives SIGTERM and a restart on the same data, and delivers nothing twice', async () => {
    await shop.start();
    expect(shop.log()).toMatch(/database embedded Postgres; transport in-process \(no broker\)/);

    const orderId = await confirmedOrder(shop, 'ZERO-1');
    await waitFor('both e-mails', async () => (await shop.http('GET', `/notifications?orderId=${orderId}`)).body.length === 2);
    await waitFor('stock sold', async () => (await shop.http('GET', '/inventory/products/ZERO-1')).body.sold === 2);

    await shop.stop();
    await shop.start();

    expect((await shop.http('GET', `/orders/${orderId}`)).body).toMatchObject({ status: 'CONFIRMED', totalCents: 2500 });
    await new Promise((r) => setTimeout(r, 2_000)); // time for any redelivery to show
    expect((await shop.http('GET', `/notifications?orderId=${orderId}`)).body).toHaveLength(2);
    expect((await shop.http('GET', `/payments?orderId=${orderId}`)).body).toEqual([expect.objectContaining({ status: 'CAPTURED', amountCents: 2500 })]);
    expect((await shop.http('GET', '/inventory/products/ZERO-1')).body).toMatchObject({ available: 8, reserved: 0, sold: 2 });
  });
});
