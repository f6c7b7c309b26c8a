import fc from 'fast-check';
import { rawRequest } from '../support/raw-http';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { waitFor } from '../support/wait-for';
import { hostileRequest, LEAK, SEEDED_SKU } from './hostile-requests';

const SEED = Number(process.env.FUZZ_SEED ?? 20_250_909);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/**
 * Generated hostile requests (fast-check, seeded: FUZZ_SEED reproduces a run) against the monolith
 * over JetStream: bodies, content types, headers, paths and methods. No answer is 5xx or leaks a
 * stack, SQL or a host; every hostile body is 4xx; no row appears anywhere; the process stays healthy.
 */
describeWithNats('fuzz: hostile requests at the HTTP edge (monolith over JetStream)', () => {
  const shop = new InProcessShop('edge_fuzz');
  beforeAll(() => shop.setUp(), 60_000);
  afterAll(() => shop.tearDown());

  /** Rows per table in every schema the modules own. */
  const rowCounts = async () => {
    const tables = await shop.db.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema IN ('orders', 'inventory', 'payments', 'notifications', 'gateway_simulator') ORDER BY 1, 2`,
    );
    const counts: Record<string, number> = {};
    for (const { s, t } of tables) counts[`${s}.${t}`] = Number((await shop.db.query(`SELECT count(*) AS n FROM "${s}"."${t}"`))[0].n);
    return counts;
  };
  const settled = () => waitFor('rows settled', async () => {
    const first = JSON.stringify(await rowCounts());
    await new Promise((r) => setTimeout(r, 500));
    return first === JSON.stringify(await rowCounts()) ? JSON.parse(first) as Record<string, number> : undefined;
  });

  it(`${RUNS} generated hostile requests: none ≥ 500, none leaks, every hostile body refused, nothing stored, still healthy`, async () => {
    await shop.registerProduct(SEEDED_SKU, 100, 10);
    const before = await settled();
    const port = Number(new URL(await shop.app.getUrl()).port);
    const seen: Record<number, number> = {};
    const started = Date.now();
    console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} reproduces), ${RUNS} runs`);
    await fc.assert(
      fc.asyncProperty(hostileRequest, async ({ label, request, mustBeRefused }) => {
        const answer = await rawRequest(port, request);
        seen[answer.status] = (seen[answer.status] ?? 0) + 1;
        const what = `${label} → ${answer.status} ${answer.body.slice(0, 200)}`;
        if (answer.status === 0 || answer.status >= 500) throw new Error(`no answer or 5xx: ${what}`);
        if (LEAK.test(answer.body)) throw new Error(`the answer leaks: ${what}`);
        if (mustBeRefused && (answer.status < 400 || answer.status >= 500)) throw new Error(`a hostile body was not refused: ${what}`);
        if (/json/.test(answer.headers['content-type'] ?? '') && answer.status >= 400 && request.method !== 'HEAD') {
          const body = JSON.parse(answer.body);
          if (body.statusCode !== answer.status || typeof body.error !== 'string' || typeof body.message !== 'string') {
            throw new Error(`not the error shape: ${what}`);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: 150_000, markInterruptAsFailure: true },
    );
    console.log(`fuzz: ${RUNS} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(seen)}`);
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(await settled()).toEqual(before);
    expect((await shop.http('GET', '/health')).status).toBe(200);
    expect((await shop.http('GET', `/inventory/products/${SEEDED_SKU}`)).body).toMatchObject({ name: `Product ${SEEDED_SKU}`, priceCents: 100, available: 10 });
  }, 240_000);
});
