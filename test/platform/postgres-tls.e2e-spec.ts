import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { AppModule } from '../../src/app.module';
import { postgresConnection } from '../../src/platform/database/postgres-tls';
import { OwnPostgres } from '../chaos/own-postgres';
import { freePort } from '../support/free-port';
import { startApp } from '../support/test-app';
import { makeCertificates, TestCertificates } from '../support/tls-certificates';

/** Postgres runs as `postgres` when the suite runs as root: it must own its key. */
function handToPostgres(certs: TestCertificates): void {
  if (process.getuid?.() !== 0) return;
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres']).toString().trim()));
  for (const path of [certs.dir, ...readdirSync(certs.dir).map((f) => join(certs.dir, f))]) chownSync(path, uid, gid);
}

describe('Postgres over TLS (a private Postgres with ssl=on and an openssl-made certificate)', () => {
  let pg: OwnPostgres;
  let certs: TestCertificates;
  let url: string;

  beforeAll(async () => {
    certs = makeCertificates('pg');
    handToPostgres(certs);
    pg = new OwnPostgres(await freePort());
    await pg.start(['ssl=on', `ssl_cert_file=${certs.certFile}`, `ssl_key_file=${certs.keyFile}`]);
    url = await pg.createDatabase('shop_tls');
  }, 120_000);
  afterAll(async () => {
    await pg?.destroy();
    certs?.remove();
  });

  /** Which of the database's connections are encrypted, by the pool that opened them. */
  async function connections(): Promise<{ application_name: string; ssl: boolean }[]> {
    const admin = new Client({ connectionString: pg.url() });
    await admin.connect();
    try {
      return (
        await admin.query(
          `SELECT a.application_name, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = 'shop_tls' ORDER BY 1`,
        )
      ).rows;
    } finally {
      await admin.end();
    }
  }

  it('sslmode=verify-full and DATABASE_CA_FILE: every module pool and the gateway ledger connect over TLS', async () => {
    let app: NestFastifyApplication | undefined;
    try {
      app = await startApp((c) => AppModule.forRoot(c), { NATS_URL: '', DATABASE_URL: `${url}?sslmode=verify-full`, DATABASE_CA_FILE: certs.caFile });
      const seen = await connections();
      const pools = new Set(seen.map((c) => c.application_name));
      for (const name of ['shop:orders', 'shop:inventory', 'shop:payments', 'shop:notifications', 'gateway-simulator']) expect(pools).toContain(name);
      expect(seen.filter((c) => !c.ssl)).toEqual([]);
    } finally {
      await app?.close();
    }
  });

  it('verify-full checks the certificate: without the CA the connection is refused; sslrootcert in the URL works as the CA', async () => {
    const untrusting = new Client(postgresConnection(`${url}?sslmode=verify-full`));
    await expect(untrusting.connect()).rejects.toThrow(/unable to verify the first certificate/);
    const trusting = new Client(postgresConnection(`${url}?sslmode=verify-full&sslrootcert=${certs.caFile}`));
    await trusting.connect();
    try {
      expect((await trusting.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows).toEqual([{ ssl: true }]);
    } finally {
      await trusting.end();
    }
  });

  it('sslmode=require encrypts without checking (libpq), sslmode=disable does not encrypt', async () => {
    for (const [mode, encrypted] of [['require', true], ['disable', false]] as const) {
      const client = new Client(postgresConnection(`${url}?sslmode=${mode}`));
      await client.connect();
      try {
        expect((await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows).toEqual([{ ssl: encrypted }]);
      } finally {
        await client.end();
      }
    }
  });
});
