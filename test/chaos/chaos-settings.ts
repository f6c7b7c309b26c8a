import { FAULT_KINDS, FaultKind } from './fault-schedule';
import { KNOWN_BUGS, KnownBug } from './known-bugs';

/** The run's sizes, from the environment (and `--inject <bug>`, `--seconds <n>` on the command line). */
export interface ChaosSettings {
  seconds: number;
  ratePerSecond: number;
  faultEveryMs: number;
  faults: FaultKind[];
  pauseMs: number;
  stockPerSku: number;
  skus: number;
  requestTimeoutMs: number;
  clientDeadlineMs: number;
  quiesceMs: number;
  ackWaitMs: number;
  orderTimeoutMs?: number;
  inject?: KnownBug;
  seed: number;
  keep: boolean;
}

export function chaosSettings(env: NodeJS.ProcessEnv, argv: string[]): ChaosSettings {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${raw}: not a non-negative number`);
    return value;
  };
  const faults = (env.CHAOS_FAULTS ?? FAULT_KINDS.join(',')).split(',').map((f) => f.trim()).filter(Boolean);
  for (const f of faults) if (!FAULT_KINDS.includes(f as FaultKind)) throw new Error(`CHAOS_FAULTS: unknown fault ${f} (${FAULT_KINDS.join(', ')})`);
  const inject = arg('inject') ?? env.CHAOS_INJECT;
  if (inject && !KNOWN_BUGS.includes(inject as KnownBug)) throw new Error(`--inject ${inject}: one of ${KNOWN_BUGS.join(', ')}`);
  return {
    seconds: Number(arg('seconds') ?? num('CHAOS_SECONDS', 60)),
    ratePerSecond: num('CHAOS_RATE', 10),
    faultEveryMs: num('CHAOS_FAULT_EVERY_MS', 4_000),
    faults: faults as FaultKind[],
    pauseMs: num('CHAOS_PAUSE_MS', 3_000),
    stockPerSku: num('CHAOS_STOCK', 150),
    skus: num('CHAOS_SKUS', 6),
    requestTimeoutMs: num('CHAOS_REQUEST_TIMEOUT_MS', 5_000),
    clientDeadlineMs: num('CHAOS_CLIENT_DEADLINE_MS', 60_000),
    quiesceMs: num('CHAOS_QUIESCE_MS', 120_000),
    ackWaitMs: num('CHAOS_ACK_WAIT_MS', 10_000),
    orderTimeoutMs: env.CHAOS_ORDER_TIMEOUT_MS ? num('CHAOS_ORDER_TIMEOUT_MS', 0) : undefined,
    inject: inject as KnownBug | undefined,
    seed: num('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    keep: env.CHAOS_KEEP === '1',
  };
}
