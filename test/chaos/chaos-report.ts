import { ShopCheckResult } from '../support/checker/shop-checker';
import { Quiescence } from '../support/checker/quiescence';
import { ChaosSettings } from './chaos-settings';
import { InjectedFault } from './fault-schedule';
import { ClientOutcome } from './order-load';

export interface RunFigures {
  settings: ChaosSettings;
  faults: InjectedFault[];
  clients: ClientOutcome[];
  canaries: ClientOutcome[];
  result: ShopCheckResult;
  quiet: Quiescence;
  revived: string[];
  crashes: { name: string; atMs: number; cause: string }[];
}

const s = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** The run's table: faults with their recovery, then what the clients and the checker saw. */
export function formatRun({ settings, faults, clients, canaries, result, quiet, revived, crashes }: RunFigures): string {
  const lines = ['', '=== chaos run ===', ' #  at       fault              outage   recovery  target'];
  faults.forEach((f, i) => {
    lines.push(
      `${String(i + 1).padStart(2)}  +${s(f.atMs).padEnd(7)} ${f.kind.padEnd(18)} ${s(f.outageMs).padStart(7)}  ${(f.recoveryMs === undefined ? 'never' : s(f.recoveryMs)).padStart(8)}  ${f.target}${f.error ? ` (FAILED: ${f.error})` : ''}`,
    );
  });
  const byKind = new Map<string, number>();
  for (const f of faults) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const recoveries = faults.map((f) => f.recoveryMs).filter((r): r is number => r !== undefined).sort((a, b) => a - b);
  const all = [...clients, ...canaries];
  const accepted = all.filter((c) => c.orderId);
  const latencies = accepted.map((c) => c.answeredAt! - c.startedAt).sort((a, b) => a - b);
  const rows: [string, string][] = [
    ['known bug injected', settings.inject ?? 'none'],
    ['faults injected', `${faults.length} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})`],
    ['recovery after a fault', recoveries.length ? `median ${s(pct(recoveries, 0.5))}, max ${s(recoveries.at(-1))}, never ${faults.length - recoveries.length}` : '—'],
    ['orders attempted', `${clients.length} + ${canaries.length} canaries (${settings.ratePerSecond}/s for ${settings.seconds} s)`],
    ['orders accepted (201)', `${accepted.length}; answer p50 ${s(pct(latencies, 0.5))}, p99 ${s(pct(latencies, 0.99))}`],
    ['client retries (same key)', String(all.reduce((n, c) => n + c.attempts - 1, 0))],
    ['no answer by the deadline', String(all.filter((c) => !c.orderId && !c.conflict).length)],
    ['wronged clients (4xx, other id)', String(all.filter((c) => c.conflict).length)],
    ['processes that died by themselves', crashes.length ? crashes.map((c) => `${c.name} at +${s(c.atMs)}`).join(', ') : 'none'],
    ['processes found dead at the end', revived.join(', ') || 'none'],
    ['quiescence', quiet.quiet ? `after ${s(quiet.waitedMs)}` : `NOT reached in ${s(quiet.waitedMs)}: ${quiet.busy.slice(0, 4).join('; ')}`],
    ['orders in the database', `${result.counts.orders} (confirmed ${result.counts.confirmed}, cancelled ${result.counts.cancelled}, pending ${result.counts.pending})`],
    ['events (outbox) / stream messages', `${result.counts.events} / ${result.counts.streamMessages}`],
    ['lost', String(result.byKind.lost)],
    ['duplicated effects', String(result.byKind.duplicate)],
    ['invariant violations (all)', String(result.violations.length)],
  ];
  lines.push('');
  for (const [name, value] of rows) lines.push(`${name.padEnd(34)} ${value}`);
  for (const c of crashes) lines.push(`  crash ${c.name} at +${s(c.atMs)}: ${c.cause}`);
  lines.push('');
  return lines.join('\n');
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : undefined);
