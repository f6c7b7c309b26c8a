/**
 * Benchmarks of the messaging platform, each against a bare baseline measured in the same run.
 *   npm run bench        (needs the local Postgres and NATS, like the e2e suites)
 *
 * 1. Commit rate: a state change alone (baseline) vs. with its outbox row (what every command
 *    pays) vs. with a NOTIFY in the transaction too (the wake-up ARCHITECTURE §4 rejects).
 * 2. Relay drain: relay-drain.bench.ts (run after the commit rates here).
 * Figures, not assertions: the machine decides the numbers, the ratios are what to compare.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ContractRegistry } from '../../src/contracts/contract-registry';
import { defineContract } from '../../src/contracts/event-contract';
import { createMessagingTables } from '../../src/platform/database/messaging-tables';
import { SystemClock } from '../../src/platform/clock';
import { Outbox } from '../../src/platform/outbox/outbox';
import { relayDrainBench } from './relay-drain.bench';

const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function timed(label: string, count: number, work: () => Promise<void>) {
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = count / seconds;
  console.log(`${label.padEnd(44)} ${count} in ${seconds.toFixed(2)} s = ${rate.toFixed(0)}/s`);
  return rate;
}

async function inParallel(total: number, concurrency: number, one: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await one(next++);
  }));
}

async function main() {
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES);
  url.pathname = `/${name}`;
  const dataSource = await new DataSource({ type: 'postgres', url: url.toString(), extra: { max: CONCURRENCY } }).initialize();
  try {
    const runner = dataSource.createQueryRunner();
    await runner.query('CREATE SCHEMA bench');
    await createMessagingTables(runner, 'bench');
    await runner.query('CREATE TABLE bench.state (id bigserial PRIMARY KEY, n integer NOT NULL)');
    await runner.release();
    const contracts = new ContractRegistry([defineContract('bench.ThingHappened', 1, z.object({ n: z.number().int() }).strict())]);
    const outbox = new Outbox('bench', new SystemClock(), contracts);
    const event = (i: number) => ({
      type: 'bench.ThingHappened', version: 1, aggregateType: 'Thing', aggregateId: `t-${i % 500}`, aggregateVersion: Math.floor(i / 500) + 1, payload: { n: i },
    });

    console.log(`\ncommit rate: ${TRANSACTIONS} transactions, ${CONCURRENCY} at a time`);
    const bare = await timed('state change only (baseline)', TRANSACTIONS, () =>
      inParallel(TRANSACTIONS, CONCURRENCY, (i) => dataSource.transaction((m) => m.query('INSERT INTO bench.state (n) VALUES ($1)', [i]))),
    );
    const withOutbox = await timed('state change + outbox row (the product)', TRANSACTIONS, () =>
      inParallel(TRANSACTIONS, CONCURRENCY, (i) =>
        dataSource.transaction(async (m) => {
          await m.query('INSERT INTO bench.state (n) VALUES ($1)', [i]);
          await outbox.append(m, [event(i)]);
        }),
      ),
    );
    const withNotify = await timed('state change + outbox row + NOTIFY', TRANSACTIONS, () =>
      inParallel(TRANSACTIONS, CONCURRENCY, (i) =>
        dataSource.transaction(async (m) => {
          await m.query('INSERT INTO bench.state (n) VALUES ($1)', [i]);
          await outbox.append(m, [event(TRANSACTIONS + i)]);
          await m.query(`SELECT pg_notify('bench_outbox', '')`);
        }),
      ),
    );
    console.log(`ratios: outbox ${(withOutbox / bare).toFixed(2)} x baseline; with NOTIFY ${(withNotify / bare).toFixed(2)} x baseline\n`);
  } finally {
    await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main()
  .then(() => relayDrainBench())
  .then(() => process.exit(0))
  .catch((error) => {
  console.error(error);
  process.exit(1);
});
