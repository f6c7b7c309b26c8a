import autocannon from 'autocannon';
import { createTestDatabase } from '../support/test-database';
import { BenchRow, compared } from './support/bench-row';
import { benchSettings as s } from './support/bench-settings';
import { ChildServer } from './support/child-server';
import { openLoopStep, orderBody, OrderTarget } from './support/open-loop';

export interface ClosedLoop {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `POST /orders` from `connections` clients, each sending its next request when the last is answered. */
export async function closedLoop(baseUrl: string, skus: string[]): Promise<ClosedLoop> {
  let n = 0;
  const result = await autocannon({
    url: `${baseUrl}/orders`,
    connections: s.apiConnections,
    duration: s.apiSeconds,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: orderBody(skus, n++) }) }],
  });
  const ok = result['2xx'];
  return { perSecond: ok / (result.duration || s.apiSeconds), p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts };
}

/** The bare Nest + Fastify + node-pg app (bare/bare-api.ts): the API's baseline, measured on its own. */
export async function bareApi(): Promise<ClosedLoop> {
  const db = await createTestDatabase('benchapi');
  const server = await new ChildServer('bare/bare-api.ts', { BARE_DATABASE_URL: db.url, BARE_POOL_SIZE: String(s.poolSize) }).start();
  try {
    return await closedLoop(server.baseUrl, Array.from({ length: 50 }, (_, i) => `BENCH-${i}`));
  } finally {
    await server.stop();
    await db.drop();
  }
}

/**
 * Goal 2, on a warm shop whose saga runs behind: POST /orders latency at half the end-to-end
 * maximum (open loop), then the closed-loop rate against the bare app's.
 */
export async function apiFigures(shop: OrderTarget, best: number, bare: ClosedLoop, log: (line: string) => void): Promise<BenchRow[]> {
  const half = Math.max(1, Math.round(best / 2));
  const step = await openLoopStep(shop, half, s.stepSeconds, s.p99TargetMs);
  log(`  API at ${half}/s (half the e2e maximum): POST p50 ${step.http.p50.toFixed(0)} p99 ${step.http.p99.toFixed(0)} ms`);
  const mine = await closedLoop(shop.baseUrl, shop.skus);
  log(`  API closed loop, ${s.apiConnections} connections: shop ${mine.perSecond.toFixed(0)}/s (p50 ${mine.p50} p99 ${mine.p99} ms, ${mine.errors} errors), bare ${bare.perSecond.toFixed(0)}/s (p50 ${bare.p50} p99 ${bare.p99} ms)`);
  return [
    compared(`API: POST /orders, ${s.apiConnections} connections, saga running (vs bare Nest + Fastify + node-pg)`, mine.perSecond, 'req/s', bare.perSecond),
    compared(`API: POST /orders p50, closed loop`, mine.p50, 'ms', bare.p50, true),
    compared(`API: POST /orders p99 at ${half}/s (half the e2e maximum; target ≤ 50)`, step.http.p99, 'ms'),
  ];
}
