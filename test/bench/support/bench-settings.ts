/**
 * Sizes by environment: a short default (under 3 minutes here), BENCH_LONG=1 for bigger runs.
 * BENCH_SHOP_MAIN=<path to another build's main.js> measures that build instead of dist/ (before/after).
 */
const long = process.env.BENCH_LONG === '1';
const numbers = (name: string, fallback: number[]) => (process.env[name] ? process.env[name]!.split(',').map(Number) : fallback);
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export const benchSettings = {
  long,
  postgresUrl: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  natsUrl: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  /** Offered rates of the open-loop sweep, orders/s, climbed until one misses the p99 target. */
  rates: numbers('BENCH_RATES', long ? [25, 35, 50, 75, 100, 125, 150, 200, 250, 300] : [35, 50, 70, 100, 150, 200, 250]),
  stepSeconds: num('BENCH_STEP_SECONDS', long ? 20 : 5),
  lowLoadRate: num('BENCH_LOW_RATE', 10),
  lowLoadSeconds: num('BENCH_LOW_SECONDS', long ? 20 : 5),
  /** Orders at the low rate before anything is measured, for the shop and the bare chain alike (JIT, pools, consumers' first pulls). */
  warmUpSeconds: num('BENCH_WARMUP_SECONDS', 3),
  p99TargetMs: num('BENCH_P99_TARGET_MS', 150),
  apiSeconds: num('BENCH_API_SECONDS', long ? 15 : 5),
  apiConnections: num('BENCH_API_CONNECTIONS', 32),
  hops: num('BENCH_HOPS', long ? 500 : 100),
  poolSize: num('BENCH_POOL_SIZE', 10),
  /** Which parts to run: any of e2e,inprocess,api,hop,relay (all by default). */
  only: (process.env.BENCH_ONLY ?? 'e2e,inprocess,api,hop,relay').split(','),
};
