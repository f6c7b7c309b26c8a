/**
 * `npm run bench`: every performance figure of the shop beside a bare baseline measured in the
 * same run, as one table. Needs the local Postgres and NATS (like the e2e suites) and the build
 * (`prebench`). Sizes by environment (support/bench-settings.ts); BENCH_LONG=1 for bigger runs,
 * BENCH_ONLY=e2e,inprocess,api,relay for a part. Figures, never assertions.
 *
 *   e2e        place → CONFIRMED over JetStream: the open-loop sweep's highest rate meeting the
 *              p99 target, p50/p99 at low load, commit → consumer start per hop; vs the bare chain
 *   api        on the same warm shop: POST /orders p99 at half that rate, and the closed-loop rate
 *              (autocannon) vs a bare Nest + Fastify + node-pg app
 *   inprocess  the same end-to-end figures with the in-process transport, vs the bare chain in memory
 *   relay      the relay's drain rate (relay-drain.bench.ts, when present)
 */
import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { apiFigures, bareApi, ClosedLoop } from './api.bench';
import { endToEnd } from './e2e.bench';
import { BenchRow, formatTable } from './support/bench-row';
import { benchSettings as s } from './support/bench-settings';

const log = (line: string) => console.log(line);

async function relayRows(): Promise<BenchRow[]> {
  const file = join(__dirname, 'relay-drain.bench.ts');
  if (!existsSync(file)) {
    log('relay drain: relay-drain.bench.ts not present on this branch; skipped');
    return [];
  }
  const module = (await import(file)) as { relayDrainBench?: (opts: object) => Promise<BenchRow[]> };
  return (await module.relayDrainBench?.({ long: s.long, postgresUrl: s.postgresUrl, natsUrl: s.natsUrl, log })) ?? [];
}

async function main(): Promise<void> {
  // The relay drain runs the product's providers in this process: their boot lines are not figures.
  Logger.overrideLogger(['warn', 'error']);
  const started = Date.now();
  const rows: BenchRow[] = [];
  const wants = (part: string) => s.only.includes(part);
  log(`bench: ${s.long ? 'long' : 'short'} run; rates ${s.rates.join(', ')}/s for ${s.stepSeconds} s each; pool ${s.poolSize}; target p99 ≤ ${s.p99TargetMs} ms`);
  let bare: ClosedLoop | undefined;
  if (wants('api')) {
    bare = await bareApi();
    log(`API baseline: bare Nest + Fastify + node-pg ${bare.perSecond.toFixed(0)} req/s (p50 ${bare.p50} ms)`);
  }
  if (wants('e2e') || wants('api')) {
    log('end to end over JetStream:');
    rows.push(...(await endToEnd('jetstream', log, bare ? (shop, best) => apiFigures(shop, best, bare!, log) : undefined)));
  }
  if (wants('inprocess')) {
    log('end to end, in-process transport:');
    rows.push(...(await endToEnd('in-process', log)));
  }
  if (wants('relay')) rows.push(...(await relayRows()));
  log(`\n${formatTable(rows)}\n\n(${((Date.now() - started) / 1000).toFixed(0)} s; ratio > 1 is better than the baseline)`);
  if (process.env.BENCH_MARKDOWN === '1') log(`\n${formatTable(rows, true)}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
