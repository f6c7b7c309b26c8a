import { BenchRow, compared } from './support/bench-row';
import { benchSettings as s } from './support/bench-settings';
import { BareChainTarget } from './support/bare-chain-target';
import { summarize } from './support/percentiles';
import { openLoopStep, OrderTarget, StepResult, sweep } from './support/open-loop';
import { ShopUnderTest } from './support/shop-under-test';

/** A warm-up (not measured), low load (p50 at a gentle rate), then the open-loop sweep. */
async function measure(target: OrderTarget, log: (line: string) => void, between?: () => Promise<void>) {
  if (s.warmUpSeconds > 0) await openLoopStep(target, s.lowLoadRate, s.warmUpSeconds, s.p99TargetMs);
  const since = Date.now();
  const low = await openLoopStep(target, s.lowLoadRate, s.lowLoadSeconds, s.p99TargetMs);
  const hop = summarize(await target.hopLatencies(since));
  log(`  ${target.label} low load ${s.lowLoadRate}/s: place→CONFIRMED p50 ${low.endToEnd.p50.toFixed(0)} p99 ${low.endToEnd.p99.toFixed(0)} ms; hop p50 ${hop.p50.toFixed(1)} p99 ${hop.p99.toFixed(1)} ms over ${hop.count} deliveries; CPU ${low.cpuPerOrderMs?.toFixed(1) ?? '?'} ms/order, Postgres ${low.postgresCpuPerOrderMs?.toFixed(1) ?? '?'} ms/order`);
  await between?.();
  const { steps, best } = await sweep(target, s.rates, s.stepSeconds, s.p99TargetMs, log);
  return { low, hop, steps, best };
}

/** The bare chain over the same transport: the baseline of one end-to-end system. */
export async function bareChain(inProcess: boolean, log: (line: string) => void) {
  const bare = await new BareChainTarget(inProcess ? 'bare chain, in memory' : 'bare chain, JetStream', inProcess ? '' : s.natsUrl, s.poolSize * 2).start();
  try {
    return await measure(bare, log);
  } finally {
    await bare.stop();
  }
}

/**
 * Goal 1: place → CONFIRMED over a transport, the shop against the bare chain. `afterSweep` runs
 * on the same shop while it is warm (the API figures need its maximum).
 */
export async function endToEnd(
  transport: 'jetstream' | 'in-process',
  log: (line: string) => void,
  afterSweep?: (shop: ShopUnderTest, best: number) => Promise<BenchRow[]>,
): Promise<BenchRow[]> {
  const inProcess = transport === 'in-process';
  const label = inProcess ? 'in-process' : 'JetStream';
  const shop = await new ShopUnderTest(`shop, ${label}`, {
    NATS_URL: inProcess ? '' : s.natsUrl,
    DATABASE_POOL_SIZE: String(s.poolSize),
    ...(process.env.BENCH_SHOP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SHOP_NODE_OPTIONS } : {}),
  }).start();
  const rows: BenchRow[] = [];
  let mine;
  try {
    mine = await measure(shop, log, () => shop.quiesce());
    await shop.quiesce();
    if (afterSweep) rows.push(...(await afterSweep(shop, mine.best)));
  } finally {
    await shop.stop();
  }
  const bare = await bareChain(inProcess, log);
  const top = (r: { best: number }) => (r.best >= Math.max(...s.rates) ? `≥ ${r.best}` : `${r.best}`);
  log(`  ${label}: shop sustains ${top(mine)}/s, bare chain ${top(bare)}/s`);
  const maxStep = (r: { steps: StepResult[]; best: number }) => r.steps.find((step) => step.rate === r.best);
  return [
    compared(`e2e ${label}: highest rate with place→CONFIRMED p99 ≤ ${s.p99TargetMs} ms`, mine.best, 'orders/s', bare.best),
    compared(`e2e ${label}: p50 at ${s.lowLoadRate}/s`, mine.low.endToEnd.p50, 'ms', bare.low.endToEnd.p50, true),
    compared(`e2e ${label}: p99 at ${s.lowLoadRate}/s`, mine.low.endToEnd.p99, 'ms', bare.low.endToEnd.p99, true),
    compared(`hop ${label}: commit → consumer start p50 at ${s.lowLoadRate} orders/s`, mine.hop.p50, 'ms', bare.hop.p50, true),
    compared(`hop ${label}: commit → consumer start p99 at ${s.lowLoadRate} orders/s`, mine.hop.p99, 'ms', bare.hop.p99, true),
    compared(`e2e ${label}: CPU of the process per order at ${s.lowLoadRate}/s`, mine.low.cpuPerOrderMs ?? NaN, 'ms', bare.low.cpuPerOrderMs, true),
    // The machine's other big share: on 2 cores, process + Postgres (+ NATS) per order bounds the rate.
    compared(`e2e ${label}: CPU of Postgres per order at ${s.lowLoadRate}/s`, mine.low.postgresCpuPerOrderMs ?? NaN, 'ms', bare.low.postgresCpuPerOrderMs, true),
    ...(mine.best > 0
      ? [
          compared(`e2e ${label}: p99 at the shop's highest rate (${mine.best}/s)`, maxStep(mine)!.endToEnd.p99, 'ms'),
          compared(`e2e ${label}: CPU of the process per order at the shop's highest rate`, maxStep(mine)!.cpuPerOrderMs ?? NaN, 'ms'),
          compared(`e2e ${label}: CPU of Postgres per order at the shop's highest rate`, maxStep(mine)!.postgresCpuPerOrderMs ?? NaN, 'ms'),
        ]
      : []),
    ...rows,
  ];
}
