// `npm test`'s jest: three workers when Postgres takes the connections three suites may hold at
// once, else one at a time. A suite that starts several app processes holds up to ~60 connections,
// and two of them side by side went past Postgres's default max_connections (100) in a CI run
// (53300). Three workers, not two, on this project's 2-core machine: the suites wait on timers,
// brokers and commits more than on the CPU (1.2 cores busy on average in two workers): the jest
// run took 645 s in two workers, then 501 s in three (the contention suite halved meanwhile), runs
// within the hour. Extra arguments go to jest
// (`npm test -- --runInBand`, `npm test -- test/saga`).
import { spawnSync } from 'node:child_process';
import pg from 'pg';

/** Connections three workers were seen to need at once (128 at the peak of one run), with room. */
const WORKERS = 3;
const WORKERS_NEED = 250;

async function maxConnections() {
  const url = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const { rows } = await client.query('SHOW max_connections');
    return Number(rows[0].max_connections);
  } catch {
    return undefined; // none answers: global-setup starts an embedded Postgres, sized for the workers
  } finally {
    await client.end().catch(() => undefined);
  }
}

const args = process.argv.slice(2);
const chosen = args.some((a) => a === '--runInBand' || a === '-i' || a.startsWith('--maxWorkers') || a.startsWith('-w'));
let workers = [];
if (!chosen) {
  const max = await maxConnections();
  if (max !== undefined && max < WORKERS_NEED) {
    console.log(`[test] Postgres max_connections is ${max} (< ${WORKERS_NEED}): the suites run one at a time`
      + ` (ALTER SYSTEM SET max_connections = 300 and a restart let them run ${WORKERS} at a time)`);
    workers = ['--runInBand'];
  } else {
    workers = [`--maxWorkers=${WORKERS}`];
  }
}
const jest = spawnSync('npx', ['jest', '--config', 'jest.config.js', ...workers, ...args], { stdio: 'inherit' });
process.exit(jest.status ?? 1);
