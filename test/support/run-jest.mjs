// `npm test`'s jest: two workers when Postgres takes the connections two suites may hold at once,
// else one at a time. A suite that starts several app processes holds up to ~60 connections, and
// two of them side by side went past Postgres's default max_connections (100) in a CI run (53300).
// Extra arguments go to jest (`npm test -- --runInBand`, `npm test -- test/saga`).
import { spawnSync } from 'node:child_process';
import pg from 'pg';

/** Connections two workers were seen to need at once (96 at the peak of one run), with room. */
const TWO_WORKERS_NEED = 200;

async function maxConnections() {
  const url = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const { rows } = await client.query('SHOW max_connections');
    return Number(rows[0].max_connections);
  } catch {
    return undefined; // none answers: global-setup starts an embedded Postgres, sized for two workers
  } finally {
    await client.end().catch(() => undefined);
  }
}

const args = process.argv.slice(2);
const chosen = args.some((a) => a === '--runInBand' || a === '-i' || a.startsWith('--maxWorkers') || a.startsWith('-w'));
let workers = [];
if (!chosen) {
  const max = await maxConnections();
  if (max !== undefined && max < TWO_WORKERS_NEED) {
    console.log(`[test] Postgres max_connections is ${max} (< ${TWO_WORKERS_NEED}): the suites run one at a time`
      + ' (ALTER SYSTEM SET max_connections = 300 and a restart let them run two at a time)');
    workers = ['--runInBand'];
  } else {
    workers = ['--maxWorkers=2'];
  }
}
const jest = spawnSync('npx', ['jest', '--config', 'jest.config.js', ...workers, ...args], { stdio: 'inherit' });
process.exit(jest.status ?? 1);
