// Run by prepare-due-crash.e2e-spec.ts in its own process: does the process survive a session that ends during prepareDue?
import { Client, Pool } from 'pg';
import { sql } from '../../src/platform/database/sql';
import { HoldingProxy } from '../support/holding-proxy';
import { runnerOnPool } from '../support/pool-runner';

async function main(url: string): Promise<void> {
  const u = new URL(url);
  const proxy = new HoldingProxy({ host: u.hostname, port: Number(u.port || 5432) });
  const proxied = new URL(url);
  proxied.port = new URL(await proxy.start()).port;
  // The app's connections go through a network that can break (a failover, a NAT timeout, a reset).
  const pool = new Pool({ connectionString: proxied.toString(), max: 1 });
  pool.on('error', () => undefined); // as the app: idle clients' errors are heard
  const tx = runnerOnPool(pool, true);
  await pool.query('DROP SCHEMA IF EXISTS c CASCADE; CREATE SCHEMA c; CREATE TABLE c.t (id int PRIMARY KEY, v text); INSERT INTO c.t VALUES (1, $$a$$)');
  const locker = new Client({ connectionString: url });
  await locker.connect();
  const read = 'SELECT v FROM c.t WHERE id = $1';
  await tx.single((m) => sql.exec(m, read, [1]));
  // Second use: the read is due; a migration takes the table before the unit ends, so its PREPARE waits.
  const unit = tx.single(async (m) => {
    const r = await sql.exec(m, read, [1]);
    await locker.query('BEGIN; LOCK TABLE c.t IN ACCESS EXCLUSIVE MODE');
    return r;
  });
  for (;;) {
    const { rows } = await locker.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query LIKE 'PREPARE shop_%' AND wait_event_type = 'Lock'");
    if (rows.length > 0) {
      console.log('PREPARE waiting in backend', rows[0].pid, '- the network drops the connection');
      proxy.dropAll();
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log('unit answered:', JSON.stringify(await unit.then((r) => r.rows, (e: Error) => `rejected: ${e.message}`)));
  await locker.query('ROLLBACK');
  await locker.end();
  await pool.end();
  await proxy.close();
  console.log('SURVIVED');
}

process.on('uncaughtException', (e) => {
  console.log('UNCAUGHT:', e.message);
  process.exit(7);
});
main(process.argv[2]).catch((e) => {
  console.log('main failed', e);
  process.exit(2);
});
