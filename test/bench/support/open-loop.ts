import { randomUUID } from 'node:crypto';
import { LatencySummary, summarize } from './percentiles';
import { postgresCpuMs } from './process-cpu';

/** A system under test as the open-loop driver sees it: where to post, and when each order was confirmed. */
export interface OrderTarget {
  label: string;
  baseUrl: string;
  skus: string[];
  /** Epoch milliseconds at which each given order became CONFIRMED (absent: not yet). */
  confirmedAt(ids: string[]): Promise<Map<string, number>>;
  /** The CPU time its process has used so far (ms), for the CPU cost per order. */
  cpuMs(): number | undefined;
  /** Commit → consumer start of each event written since then (ms). */
  hopLatencies(sinceMs: number): Promise<number[]>;
}

export interface StepResult {
  rate: number;
  offered: number;
  accepted: number;
  /** place (request sent) → CONFIRMED; an order not confirmed in time counts as Infinity. */
  endToEnd: LatencySummary;
  /** POST /orders answered. */
  http: LatencySummary;
  meetsTarget: boolean;
  /** CPU of the system's own process per confirmed order (ms; Postgres and NATS not counted). */
  cpuPerOrderMs?: number;
  /** CPU of every Postgres process per confirmed order (ms). */
  postgresCpuPerOrderMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function orderBody(skus: string[], n: number): string {
  return JSON.stringify({
    customerId: randomUUID(),
    customerEmail: 'bench@example.com',
    items: [{ sku: skus[n % skus.length], quantity: 1 }],
    paymentToken: 'tok_visa',
  });
}

/**
 * Offers `rate` orders/s for `seconds` whatever the earlier ones are doing (open loop: a slow
 * system meets a growing queue, as with real customers), then waits for every order to be
 * confirmed (at most `settleMs`) and reads the confirmation times from the system's database.
 */
export async function openLoopStep(target: OrderTarget, rate: number, seconds: number, p99TargetMs: number, settleMs = 15_000): Promise<StepResult> {
  const sent = new Map<string, number>();
  const httpMs: number[] = [];
  const requests: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  const cpuBefore = target.cpuMs();
  const postgresBefore = postgresCpuMs();
  const start = Date.now();
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const sentAt = Date.now();
    requests.push(
      fetch(`${target.baseUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: orderBody(target.skus, n) })
        .then(async (response) => {
          const body = (await response.json()) as { orderId?: string };
          httpMs.push(Date.now() - sentAt);
          if (response.status === 201 && body.orderId) sent.set(body.orderId, sentAt);
        })
        .catch(() => {
          httpMs.push(Infinity);
        }),
    );
  }
  await Promise.all(requests);
  const ids = [...sent.keys()];
  let confirmed = new Map<string, number>();
  const deadline = Date.now() + settleMs;
  while (Date.now() < deadline) {
    confirmed = await target.confirmedAt(ids);
    if (confirmed.size >= ids.length) break;
    await sleep(250);
  }
  const perOrder = (before: number | undefined, after: number | undefined) =>
    before !== undefined && after !== undefined && confirmed.size > 0 ? (after - before) / confirmed.size : undefined;
  const cpuPerOrderMs = perOrder(cpuBefore, target.cpuMs());
  const postgresCpuPerOrderMs = perOrder(postgresBefore, postgresCpuMs());
  const endToEnd = ids.map((id) => (confirmed.has(id) ? confirmed.get(id)! - sent.get(id)! : Infinity));
  while (endToEnd.length < total) endToEnd.push(Infinity);
  const summary = summarize(endToEnd);
  return { rate, offered: total, accepted: ids.length, endToEnd: summary, http: summarize(httpMs), meetsTarget: summary.p99 <= p99TargetMs, cpuPerOrderMs, postgresCpuPerOrderMs };
}

/**
 * Climbs the rates until one misses the p99 target; returns every step run and the highest rate
 * that met it. When the first rate misses, halves it until one meets the target (down to 5/s), so
 * a slow machine or build reports what it sustains rather than 0.
 */
export async function sweep(target: OrderTarget, rates: number[], seconds: number, p99TargetMs: number, log: (line: string) => void) {
  const steps: StepResult[] = [];
  const step = async (rate: number) => {
    const result = await openLoopStep(target, rate, seconds, p99TargetMs);
    steps.push(result);
    log(`  ${target.label} ${rate}/s: ${result.accepted}/${result.offered} accepted, place→CONFIRMED p50 ${fmt(result.endToEnd.p50)} p99 ${fmt(result.endToEnd.p99)} ms; POST p99 ${fmt(result.http.p99)} ms; CPU ${result.cpuPerOrderMs?.toFixed(1) ?? '?'} ms/order, Postgres ${result.postgresCpuPerOrderMs?.toFixed(1) ?? '?'} ms/order`);
    return result.meetsTarget;
  };
  let best = 0;
  for (const rate of rates) {
    if (!(await step(rate))) break;
    best = rate;
  }
  for (let rate = Math.floor(rates[0] / 2); best === 0 && rate >= 5; rate = Math.floor(rate / 2)) {
    if (await step(rate)) best = rate;
  }
  return { steps, best };
}

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(0) : '∞');
