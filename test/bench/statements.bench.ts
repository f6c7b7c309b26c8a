/**
 * Prepared statements (PreparedStatements) against the same units of work inlined, in one run:
 *   npm run bench:statements      (BENCH_UNITS, BENCH_ROUNDS to size it)
 * A consumer's unit as the shop runs it: the inbox row ahead with BEGIN, a read that locks the
 * aggregate, then its update and outbox row with COMMIT. Units per second on 4 connections, and
 * the CPU each unit cost Postgres (all its processes) and this Node process. Rounds alternate.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { EventEnvelope } from '../../src/contracts/event-envelope';
import { sql } from '../../src/platform/database/sql';
import { TransactionRunner } from '../../src/platform/database/transaction-runner';
import { Inbox } from '../../src/platform/inbox/inbox';
import { createTestDatabase } from '../support/test-database';
import { compared, formatTable } from './support/bench-row';
import { postgresCpuMs } from './support/process-cpu';
import { runnerOnPool } from '../support/pool-runner';

const UNITS = Number(process.env.BENCH_UNITS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 4;
const ORDERS = 2000;

interface Figures {
  rate: number;
  postgresUs: number;
  nodeUs: number;
}

async function main(): Promise<void> {
  const db = await createTestDatabase('benchstmt');
  const pool = new Pool({ connectionString: db.url, max: CONNECTIONS });
  try {
    await pool.query(`CREATE SCHEMA m;
      CREATE TABLE m.inbox (consumer text, event_id uuid, type text, processed_at timestamptz DEFAULT now(), PRIMARY KEY (consumer, event_id));
      CREATE TABLE m.orders (id uuid PRIMARY KEY, customer text, status text, total int, version int, updated_at timestamptz);
      CREATE TABLE m.outbox (seq bigserial PRIMARY KEY, id uuid UNIQUE, type text, aggregate_id uuid, envelope jsonb, published_at timestamptz);
      CREATE INDEX ON m.outbox (aggregate_id, seq) WHERE published_at IS NULL`);
    const ids = Array.from({ length: ORDERS }, () => randomUUID());
    await pool.query(`INSERT INTO m.orders SELECT id, 'c', 'PENDING', 10, 1, now() FROM unnest($1::uuid[]) id`, [ids]);
    const inbox = new Inbox('m');
    const unit = (tx: TransactionRunner, i: number) =>
      tx.run(async (m) => {
        const id = ids[i % ids.length];
        inbox.recordAhead(m, 'orders', { id: randomUUID(), type: 'payments.PaymentCaptured' } as EventEnvelope);
        const [order] = await sql.rows<{ version: number }>(m, 'SELECT id, customer, status, total, version FROM m.orders WHERE id = $1 FOR UPDATE', [id]);
        await sql.later(m, 'UPDATE m.orders SET status = $2, version = $3, updated_at = now() WHERE id = $1', [id, 'CONFIRMED', order.version + 1]);
        const envelope = JSON.stringify({ id, type: 'orders.OrderConfirmed', payload: { orderId: id, note: 'x'.repeat(300) } });
        await sql.later(m, 'INSERT INTO m.outbox (id, type, aggregate_id, envelope) VALUES ($1, $2, $3, $4)', [randomUUID(), 'orders.OrderConfirmed', id, envelope]);
      });

    const measure = async (prepare: boolean): Promise<Figures> => {
      const tx = runnerOnPool(pool, prepare);
      for (let i = 0; i < 300; i++) await unit(tx, i); // warm: connections, JIT, the statements prepared
      const postgres = postgresCpuMs() ?? NaN;
      const node = process.cpuUsage();
      const start = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
        while (next < UNITS) await unit(tx, next++);
      }));
      const ms = performance.now() - start;
      const cpu = process.cpuUsage(node);
      const figures = { rate: (UNITS / ms) * 1000, postgresUs: (((postgresCpuMs() ?? NaN) - postgres) / UNITS) * 1000, nodeUs: (cpu.user + cpu.system) / UNITS };
      console.log(`  ${prepare ? 'prepared' : 'inlined '}: ${figures.rate.toFixed(0)} units/s, Postgres ${figures.postgresUs.toFixed(0)} µs/unit, Node ${figures.nodeUs.toFixed(0)} µs/unit`);
      return figures;
    };

    const inlined: Figures[] = [];
    const prepared: Figures[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      inlined.push(await measure(false));
      prepared.push(await measure(true));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const of = (runs: Figures[], key: keyof Figures) => median(runs.map((r) => r[key]));
    console.log(
      formatTable([
        compared('consumer units/s, prepared vs inlined (median of rounds)', of(prepared, 'rate'), 'units/s', of(inlined, 'rate')),
        compared('Postgres CPU per unit', of(prepared, 'postgresUs'), 'µs', of(inlined, 'postgresUs'), true),
        compared('Node CPU per unit', of(prepared, 'nodeUs'), 'µs', of(inlined, 'nodeUs'), true),
      ]),
    );
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
