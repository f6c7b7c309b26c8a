/**
 * The relay's drain rate against bare `js.publish` measured in the same run.
 *   tsx test/bench/relay-drain.bench.ts            100k rows (BENCH_RELAY_ROWS to change)
 *   tsx test/bench/relay-drain.bench.ts --long     also 1M rows (or BENCH_RELAY_LONG=1)
 * Needs the local Postgres (with pg_walinspect, part of contrib) and NATS, like the e2e suites.
 * Figures, not assertions: the machine decides the numbers; the ratios are what to compare.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../../src/config/app-config';
import { JetStreamProvisioner } from '../../src/platform/messaging/jetstream-provisioner';
import { JetStreamPublisher } from '../../src/platform/messaging/jetstream-publisher';
import { NatsConnectionProvider } from '../../src/platform/messaging/nats-connection';
import { createOutboxRelay } from '../../src/platform/outbox/create-outbox-relay';
import { barePubAckLane, barePublish } from './relay-drain/bare-publish';
import { BenchOutbox } from './relay-drain/bench-outbox';
import { BenchRow } from './support/bench-row';

export type { BenchRow };

export interface RelayDrainOptions {
  /** Backlog of the default run (100k). */
  rows?: number;
  /** Also drain a 1M backlog. */
  long?: boolean;
  longRows?: number;
  natsUrl?: string;
  log?: (line: string) => void;
}

const NATS = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
/** Bare publish does not depend on a backlog: this many messages give a steady figure. */
const BARE_MESSAGES = 30_000;

interface Drain {
  rate: number;
  wal: { bytes: number; fpiBytes: number; clusterBytes: number };
  split?: { claimMs: number; publishMs: number; markMs: number };
}

/** Fills a fresh outbox with `rows` events and times the product's relay until all are published. */
async function drain(rows: number, natsUrl: string, log: (line: string) => void, keepHistory = true): Promise<Drain> {
  const db = new BenchOutbox();
  await db.create();
  const namespace = db.name;
  const config = loadConfig({ DATABASE_URL: db.url, NATS_URL: natsUrl, MESSAGING_NAMESPACE: namespace, LOG_LEVEL: 'warn' });
  const provider = new NatsConnectionProvider(config);
  try {
    const filled = performance.now();
    await db.fill(rows);
    log(`  filled ${rows} rows (${await db.envelopeBytes()} B envelopes) in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
    await new JetStreamProvisioner(provider, config).ensureStream('bench');
    // OUTBOX_RETENTION_MS=0 (no history): published rows are deleted instead of marked.
    const retention = keepHistory ? undefined : { ...config.retention, outboxMs: 0 };
    const relay = createOutboxRelay(db.dataSource, new JetStreamPublisher(provider, config), { relayId: 'bench', module: 'bench', ...config.relay, retention });
    const walFrom = await db.walPosition();
    const started = performance.now();
    relay.start();
    const vacuums = db.vacuumLikeAutovacuum(() => relay.stats.published < rows);
    while (relay.stats.published < rows) await new Promise((r) => setTimeout(r, 5));
    const rate = rows / ((performance.now() - started) / 1000);
    await relay.stop(0);
    log(`  ${await vacuums} VACUUMs of the outbox during the drain (what autovacuum would do with the outbox's settings)`);
    const wal = await db.walBetween(walFrom, await db.walPosition());
    if ((await db.unpublished()) !== 0) throw new Error('the relay stopped with rows unpublished');
    const { claimMs, publishMs, markMs } = relay.stats;
    return { rate, wal, split: { claimMs, publishMs, markMs } };
  } finally {
    // The stream goes before the connection (each run's 100k messages stayed in the server's store before).
    const jsm = await (await provider.get().catch(() => undefined))?.jetstreamManager().catch(() => undefined);
    await jsm?.streams.delete(`${namespace.toUpperCase()}_BENCH`).catch(() => undefined);
    await provider.onApplicationShutdown();
    await db.drop();
  }
}

export async function relayDrainBench(opts: RelayDrainOptions = {}): Promise<BenchRow[]> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const natsUrl = opts.natsUrl ?? NATS;
  const rows = opts.rows ?? Number(process.env.BENCH_RELAY_ROWS ?? 100_000);
  const sizes = [rows, ...(opts.long ? [opts.longRows ?? 1_000_000] : [])];
  const out: BenchRow[] = [];
  const sample = new BenchOutbox();
  await sample.create();
  await sample.fill(4);
  const body = await sample.sampleEnvelope();
  await sample.drop();

  const bare = async (label: string, options: object, publish = barePublish) => {
    const n = Math.min(BARE_MESSAGES, rows);
    const rate = await publish(natsUrl, `BENCH_BARE_${process.pid}`, `bench_bare_${process.pid}.>`.replace('>', 'x'), body, n, options);
    log(`${label.padEnd(48)} ${rate.toFixed(0)} msgs/s`);
    return rate;
  };
  log('relay drain: bare js.publish (256 in flight, Nats-Msg-Id + Event-Type headers) vs the relay');
  const bareDefault = await bare('bare js.publish, default client', {});
  const bareFast = await bare('bare js.publish, noAsyncTraces', { noAsyncTraces: true });
  // The relay's own publish primitive with no database work: how much of the gap is claiming and marking.
  const bareLane = await bare('bare PubAckLane (the relay\'s publish), noAsyncTraces', { noAsyncTraces: true }, barePubAckLane);
  let lastFast = bareFast;
  out.push({ name: 'bare js.publish (default client)', value: Math.round(bareDefault), unit: 'msgs/s' });
  out.push({ name: 'bare js.publish (noAsyncTraces)', value: Math.round(bareFast), unit: 'msgs/s' });
  out.push({ name: "bare PubAckLane publish (the relay's primitive) vs bare js.publish (noAsyncTraces)", value: Math.round(bareLane), unit: 'msgs/s', baseline: Math.round(bareFast), ratio: round2(bareLane / bareFast) });

  const drains: Drain[] = [];
  for (const size of sizes) {
    log(`relay drain of ${size} rows`);
    const d = await drain(size, natsUrl, log);
    drains.push(d);
    // The machine is shared: the baseline of this drain is bare publish just before and just after it.
    const after = await bare('bare js.publish, noAsyncTraces (again)', { noAsyncTraces: true });
    const baseline = (lastFast + after) / 2;
    lastFast = after;
    const label = `relay drain at ${size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`}`;
    log(`${label.padEnd(48)} ${d.rate.toFixed(0)} msgs/s = ${(d.rate / baseline).toFixed(2)} x bare (noAsyncTraces, ${baseline.toFixed(0)}/s around it), ${(d.rate / bareDefault).toFixed(2)} x bare (default), ${(d.rate / bareLane).toFixed(2)} x bare PubAckLane`);
    out.push({ name: `${label} vs bare js.publish (noAsyncTraces, before and after)`, value: Math.round(d.rate), unit: 'msgs/s', baseline: Math.round(baseline), ratio: round2(d.rate / baseline) });
    out.push({ name: `${label} vs bare PubAckLane (its own publish)`, value: Math.round(d.rate), unit: 'msgs/s', baseline: Math.round(bareLane), ratio: round2(d.rate / bareLane) });
    const perEvent = d.wal.bytes / size;
    log(`${'  WAL per event'.padEnd(48)} ${perEvent.toFixed(0)} B (full-page images ${(d.wal.fpiBytes / size).toFixed(0)} B; whole cluster ${(d.wal.clusterBytes / size).toFixed(0)} B)`);
    out.push({ name: `${label}: WAL per event`, value: Math.round(perEvent), unit: 'B' });
    out.push({ name: `${label}: WAL per event without full-page images`, value: Math.round((d.wal.bytes - d.wal.fpiBytes) / size), unit: 'B' });
    if (d.split) {
      const total = d.split.claimMs + d.split.publishMs + d.split.markMs;
      const part = (ms: number) => `${((ms / total) * 100).toFixed(0)}%`;
      log(`${'  time split'.padEnd(48)} claim ${part(d.split.claimMs)}, publish + PubAcks ${part(d.split.publishMs)}, mark + commit ${part(d.split.markMs)} (of the batches' time, overlapped by pipelining)`);
      out.push({ name: `${label}: claim share`, value: round2(d.split.claimMs / total), unit: 'fraction' });
      out.push({ name: `${label}: publish share`, value: round2(d.split.publishMs / total), unit: 'fraction' });
      out.push({ name: `${label}: mark share`, value: round2(d.split.markMs / total), unit: 'fraction' });
    }
  }
  // The same 100k drain keeping no outbox history (OUTBOX_RETENTION_MS=0): a delete instead of a mark.
  {
    log(`relay drain of ${rows} rows, no outbox history (OUTBOX_RETENTION_MS=0)`);
    const d = await drain(rows, natsUrl, log, false);
    const after = await bare('bare js.publish, noAsyncTraces (again)', { noAsyncTraces: true });
    const baseline = (lastFast + after) / 2;
    const label = `relay drain at ${rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}k`}, no history`;
    log(`${label.padEnd(48)} ${d.rate.toFixed(0)} msgs/s = ${(d.rate / baseline).toFixed(2)} x bare (noAsyncTraces, ${baseline.toFixed(0)}/s around it), ${(d.rate / bareLane).toFixed(2)} x bare PubAckLane; WAL ${(d.wal.bytes / rows).toFixed(0)} B/event`);
    out.push({ name: `${label} vs bare js.publish (noAsyncTraces, before and after)`, value: Math.round(d.rate), unit: 'msgs/s', baseline: Math.round(baseline), ratio: round2(d.rate / baseline) });
    out.push({ name: `${label}: WAL per event`, value: Math.round(d.wal.bytes / rows), unit: 'B' });
  }
  if (drains.length > 1) {
    const ratio = drains[1].rate / drains[0].rate;
    log(`${'relay drain 1M / 100k'.padEnd(48)} ${ratio.toFixed(2)}`);
    out.push({ name: 'relay drain 1M vs 100k', value: Math.round(drains[1].rate), unit: 'msgs/s', baseline: Math.round(drains[0].rate), ratio: round2(ratio) });
  }
  return out;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

if (require.main === module) {
  Logger.overrideLogger(['warn', 'error']);
  const long = process.argv.includes('--long') || process.env.BENCH_RELAY_LONG === '1';
  relayDrainBench({ long }).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
