import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, ConnectionOptions } from 'nats';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app-config';
import { natsConnectOptions } from '../../src/platform/messaging/nats-connect-options';
import { StartupError } from '../../src/platform/startup-error';
import { freePort } from '../support/free-port';
import { OwnNats } from '../support/own-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { startApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';
import { makeCertificates, TestCertificates } from '../support/tls-certificates';
import { TestEnv } from '../support/test-app';

/** The monolith on a nats-server of the suite's own; that server goes with it, streams and all. */
class OwnBrokerShop extends InProcessShop {
  override async tearDown(): Promise<void> {
    await this.app?.close();
    await this.db?.drop();
  }
}

/** One order through the whole saga: reserved, charged, confirmed, over the authenticated broker. */
async function sagaConfirms(name: string, env: TestEnv): Promise<void> {
  const shop = await new OwnBrokerShop(name, env).setUp();
  try {
    await shop.registerProduct('AUTH-1', 1250, 5);
    const placed = await shop.placeOrder([{ sku: 'AUTH-1', quantity: 2 }]);
    expect(placed.status).toBe(201);
    expect(await shop.finalOrder(placed.body.orderId)).toMatchObject({ status: 'CONFIRMED', totalCents: 2500 });
  } finally {
    await shop.tearDown();
  }
}

/** The error a boot fails with (the app is closed again if it started after all). */
async function bootFailure(env: TestEnv): Promise<Error> {
  const db = await createTestDatabase('natsboot');
  try {
    const app = await startApp((c) => AppModule.forRoot(c), { DATABASE_URL: db.url, MESSAGING_NAMESPACE: 't_natsboot', ...env });
    await app.close();
    throw new Error('the app booted');
  } catch (error) {
    return error as Error;
  } finally {
    await db.drop();
  }
}

/** How a client other than the app fares against the server: 'ok' or the error code it got. */
async function probe(options: ConnectionOptions): Promise<string> {
  try {
    const nc = await connect({ ...options, timeout: 5_000 });
    await nc.close();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** The built app (`npm run build`) as a deployment starts it: its exit code and everything it printed. */
async function runMain(env: TestEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [resolve(__dirname, '../../dist/main.js')], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  clearTimeout(timer);
  return { code, output };
}

describe('NATS credentials and TLS (real Postgres, nats-servers of the suite\'s own)', () => {
  describe('user and password (--user/--pass)', () => {
    let nats: OwnNats;
    beforeAll(async () => {
      nats = new OwnNats(await freePort(), ['--user', 'shop', '--pass', 'pa55:w/rd']);
      await nats.start();
    });
    afterAll(() => nats.destroy());

    it('the server refuses a client without them (so the next test proves something)', async () => {
      expect(await probe({ servers: nats.url })).toBe('AUTHORIZATION_VIOLATION');
    });

    it('user:pass@ in a comma list of NATS_URL (one server down): the saga reaches CONFIRMED', async () => {
      const dead = await freePort();
      const credentials = `shop:${encodeURIComponent('pa55:w/rd')}`;
      await sagaConfirms('natsuser', { NATS_URL: `nats://${credentials}@127.0.0.1:${dead},nats://${credentials}@127.0.0.1:${nats.port}` });
    });

    it('a wrong password fails boot with one clear message, without the password', async () => {
      const error = await bootFailure({ NATS_URL: `nats://shop:wrong-pa55@127.0.0.1:${nats.port}` });
      expect(error).toBeInstanceOf(StartupError);
      expect(error.message).toMatch(
        new RegExp(`^NATS refused the credentials \\(Authorization Violation\\) at nats://127\\.0\\.0\\.1:${nats.port}: check `),
      );
      expect(error.message).not.toContain('wrong-pa55');
    });

    it('the built app with a wrong password exits 1 printing that message alone: no stack, no password', async () => {
      const db = await createTestDatabase('natsmain');
      try {
        const { code, output } = await runMain({
          DATABASE_URL: db.url,
          NATS_URL: `nats://shop:wrong-pa55@127.0.0.1:${nats.port}`,
          MESSAGING_NAMESPACE: 't_natsmain',
        });
        expect(code).toBe(1);
        // Everything but the info lines of a normal start.
        const said = output.split('\n').filter((line) => line && !line.includes('"level":30'));
        expect(said).toEqual([expect.stringMatching(/^NATS refused the credentials \(Authorization Violation\) at nats:\/\/127\.0\.0\.1:\d+: /)]);
        expect(output).not.toContain('wrong-pa55');
      } finally {
        await db.drop();
      }
    });
  });

  describe('token (--auth), from NATS_TOKEN_FILE', () => {
    let nats: OwnNats;
    let tokenFile: string;
    beforeAll(async () => {
      nats = new OwnNats(await freePort(), ['--auth', 's3cret-t0ken']);
      await nats.start();
      tokenFile = join(nats.dir, 'token');
      writeFileSync(tokenFile, 's3cret-t0ken\n');
    });
    afterAll(() => nats.destroy());

    it('the server refuses a client without it', async () => {
      expect(await probe({ servers: nats.url })).toBe('AUTHORIZATION_VIOLATION');
    });

    it('the saga reaches CONFIRMED', async () => {
      await sagaConfirms('natstoken', { NATS_URL: nats.url, NATS_TOKEN_FILE: tokenFile });
    });
  });

  describe('TLS (a CA and a server certificate made by openssl)', () => {
    let nats: OwnNats;
    let certs: TestCertificates;
    beforeAll(async () => {
      certs = makeCertificates('nats');
      nats = new OwnNats(await freePort(), ['--tls', '--tlscert', certs.certFile, '--tlskey', certs.keyFile]);
      await nats.start();
    });
    afterAll(async () => {
      await nats.destroy();
      certs.remove();
    });

    it('a client that does not trust the CA is refused the handshake; one that does connects', async () => {
      expect(await probe({ servers: nats.url, tls: {} })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(await probe({ servers: nats.url, tls: { caFile: certs.caFile } })).toBe('ok');
    });

    it('tls:// with NATS_TLS_CA_FILE: the saga reaches CONFIRMED', async () => {
      expect(nats.url).toMatch(/^tls:\/\//);
      await sagaConfirms('natstls', { NATS_URL: nats.url, NATS_TLS_CA_FILE: certs.caFile });
    });

    it('without the CA the boot fails and says it is the certificate', async () => {
      const error = await bootFailure({ NATS_URL: nats.url });
      expect(error).toBeInstanceOf(StartupError);
      expect(error.message).toMatch(new RegExp(`^TLS with NATS failed at tls://127\\.0\\.0\\.1:${nats.port}: .*certificate`));
    });
  });

  describe("docker-compose.yml's NATS secrets", () => {
    const confDir = mkdtempSync(join(tmpdir(), 'compose-nats-'));
    let nats: OwnNats;
    beforeAll(async () => {
      // The server as compose configures it: the login from the nats_auth secret, included beside the config.
      copyFileSync(resolve(__dirname, '../../deploy/secrets/nats-auth.conf'), join(confDir, 'auth.conf'));
      writeFileSync(join(confDir, 'nats-server.conf'), 'authorization {\n  include ./auth.conf\n}\n');
      nats = new OwnNats(await freePort(), ['-c', join(confDir, 'nats-server.conf')]);
      await nats.start();
    });
    afterAll(async () => {
      await nats.destroy();
      rmSync(confDir, { recursive: true, force: true });
    });

    it("the app's nats_url secret logs in to a server with the nats_auth secret (the two agree)", async () => {
      const secret = resolve(__dirname, '../../deploy/secrets/nats-url');
      const local = join(nats.dir, 'nats-url');
      writeFileSync(local, readFileSync(secret, 'utf8').replace('@nats:4222', `@127.0.0.1:${nats.port}`));
      const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x', NATS_URL_FILE: local });
      expect(await probe({ servers: nats.url })).toBe('AUTHORIZATION_VIOLATION');
      expect(await probe(natsConnectOptions(config.nats))).toBe('ok');
    });
  });
});
