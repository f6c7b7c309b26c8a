/**
 * Benchmarks of the messaging platform, each against a bare baseline measured in the same run.
 *   npm run bench        (needs the local Postgres and NATS, like the e2e suites)
 *
 * 1. Commit rate: a state change alone (baseline) vs. with its outbox row (what every command
 *    pays) vs. with a NOTIFY in the transaction too (the wake-up ARCHITECTURE §4 rejects).
 * 2. Relay throughput: the relay draining an outbox to JetStream vs. bare `js.publish` of the
 *    same number of messages with the same number in flight.
 * Figures, not assertions: the machine decides the numbers, the ratios are what to compare.
 */
import 'reflect-metadata';
import { connect } from 'nats';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ContractRegistry } from '../../src/contracts/contract-registry';
import { defineContract } from '../../src/contracts/event-contract';
import { loadConfig } from '../../src/config/app-config';
import { createMessagingTables } from '../../src/platform/database/messaging-tables';
import { SystemClock } from '../../src/platform/clock';
import { JetStreamProvisioner } from '../../src/platform/messaging/jetstream-provisioner';
import { JetStreamPublisher } from '../../src/platform/messaging/jetstream-publisher';
import { NatsConnectionProvider } from '../../src/platform/messaging/nats-connection';
import { Outbox } from '../../src/platform/outbox/outbox';
import { OutboxRelay } from '../../src/platform/outbox/outbox-relay';
import { OutboxStore } from '../../src/platform/outbox/outbox-store';

const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10000);

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
  const namespace = name;
  const nc = await connect({ servers: NATS });
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
    console.log(`ratios: outbox ${(withOutbox / bare).toFixed(2)} x baseline; with NOTIFY ${(withNotify / bare).toFixed(2)} x baseline`);

    // Relay throughput over what is now in the outbox, then the bare publish baseline.
    await dataSource.query('DELETE FROM bench.outbox');
    for (let i = 0; i < EVENTS; i += 1000) {
      await dataSource.transaction((m) => outbox.append(m, Array.from({ length: Math.min(1000, EVENTS - i) }, (_, k) => event(i + k))));
    }
    const config = loadConfig({ DATABASE_URL: url.toString(), NATS_URL: NATS, MESSAGING_NAMESPACE: namespace, RELAY_BATCH_SIZE: process.env.RELAY_BATCH_SIZE });
    const provider = new NatsConnectionProvider(config);
    await new JetStreamProvisioner(provider, config).ensureStream('bench');
    const relay = new OutboxRelay(new OutboxStore(dataSource, 'bench'), new JetStreamPublisher(provider, config), {
      relayId: 'bench', module: 'bench', ...config.relay,
    });
    console.log(`\nrelay throughput: ${EVENTS} events over 500 aggregates, batch ${config.relay.batchSize}`);
    const relayed = await timed('relay: claim, publish, await PubAcks, mark', EVENTS, async () => {
      while ((await relay.drainOnce()) > 0);
    });
    const js = nc.jetstream();
    const bareBatch = Math.min(config.relay.batchSize, 500);
    const published = await timed(`bare js.publish, ${bareBatch} in flight (baseline)`, EVENTS, async () => {
      for (let i = 0; i < EVENTS; i += bareBatch) {
        await Promise.all(
          Array.from({ length: Math.min(bareBatch, EVENTS - i) }, (_, k) =>
            js.publish(`${namespace}.bench.Bare`, JSON.stringify(event(i + k)), { msgID: `bare-${i + k}` }),
          ),
        );
      }
    });
    console.log(`ratio: relay ${(relayed / published).toFixed(2)} x bare publish\n`);
    await provider.onApplicationShutdown();
  } finally {
    await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`${namespace.toUpperCase()}_BENCH`).catch(() => undefined);
    await nc.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
