import { randomBytes } from 'node:crypto';
import { checkShop, formatCheck, ShopCheckResult } from '../support/checker/shop-checker';
import { waitForQuiescence } from '../support/checker/quiescence';
import { freePort } from '../support/free-port';
import { waitFor } from '../support/wait-for';
import { formatRun } from './chaos-report';
import { seededRandom, sleep } from './chaos-random';
import { chaosSettings } from './chaos-settings';
import { ChaosTopology } from './chaos-topology';
import { FaultTargets, inject, InjectedFault, rotation } from './fault-schedule';
import { injectionEnv, KNOWN_BUG_MEANING } from './known-bugs';
import { ClientOutcome, LoadOptions, OrderLoad, placeWithRetries } from './order-load';
import { OwnNats } from '../support/own-nats';
import { OwnPostgres } from './own-postgres';

/** Exit codes: 0 every invariant held; 1 a violation (the table says which); 2 the run itself failed. */
async function main(): Promise<number> {
  const settings = chaosSettings(process.env, process.argv.slice(2));
  const random = seededRandom(settings.seed);
  const log = (line: string) => console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
  const t0 = Date.now();
  log(`seed ${settings.seed}; ${settings.seconds} s at ${settings.ratePerSecond} orders/s; a fault every ${settings.faultEveryMs} ms (${settings.faults.join(', ')})` +
    (settings.inject ? `; KNOWN BUG INJECTED: ${settings.inject} (${KNOWN_BUG_MEANING[settings.inject]})` : ''));

  const postgres = new OwnPostgres(await freePort());
  const nats = new OwnNats(await freePort());
  let topology: ChaosTopology | undefined;
  const cleanUp = async () => {
    await topology?.stop().catch(() => undefined);
    await nats.destroy(settings.keep).catch(() => undefined);
    await postgres.destroy(settings.keep).catch(() => undefined);
    if (settings.keep) log(`kept: ${postgres.dir}, ${nats.dir}, app logs ${topology?.processes.map((p) => p.logFile).join(' ')}`);
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    await postgres.start();
    await nats.start();
    const databases = { shop: await postgres.createDatabase('shop'), shop_payments: await postgres.createDatabase('shop_payments') };
    const namespace = `chaos_${settings.seed}_${randomBytes(3).toString('hex')}`; // also names the app logs
    topology = new ChaosTopology(databases, nats.url, {
      MESSAGING_NAMESPACE: namespace,
      DATABASE_POOL_SIZE: '6',
      RELAY_POLL_MAX_MS: '200',
      RATE_LIMIT_PER_MINUTE: '100000000',
      CONSUMER_ACK_WAIT_MS: String(settings.ackWaitMs),
      ...(settings.orderTimeoutMs ? { ORDER_TIMEOUT_MS: String(settings.orderTimeoutMs) } : {}),
      ...injectionEnv(settings.inject),
    });
    await topology.start();
    log(`postgres :${postgres.port}, nats-server :${nats.port}, processes ${topology.processes.map((p) => `${p.name} :${p.port}`).join(', ')}`);

    const shop = topology;
    const url = (module: string) => shop.serving(module).url;
    const stockIn: Record<string, number> = { CANARY: 1_000_000 };
    const products = Array.from({ length: settings.skus }, (_, i) => ({ sku: `CHAOS-${i + 1}`, priceCents: 100 + 37 * i }));
    for (const p of [...products, { sku: 'CANARY', priceCents: 100 }]) {
      stockIn[p.sku] ??= settings.stockPerSku;
      const answer = await fetch(`${url('inventory')}/inventory/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: p.sku, name: p.sku, priceCents: p.priceCents, quantity: stockIn[p.sku] }),
      });
      if (answer.status !== 201) throw new Error(`register ${p.sku}: ${answer.status} ${await answer.text()}`);
      await waitFor(`catalog ${p.sku}`, async () => (await fetch(`${url('orders')}/catalog/${p.sku}`)).ok, { timeoutMs: 30_000, intervalMs: 100 });
    }

    const loadOptions: LoadOptions = {
      baseUrl: () => url('orders'),
      products,
      requestTimeoutMs: settings.requestTimeoutMs,
      clientDeadlineMs: settings.clientDeadlineMs,
      random,
    };
    const load = new OrderLoad(loadOptions, settings.ratePerSecond);
    const loadStart = Date.now();
    const loadDone = load.run(settings.seconds * 1000);
    shop.supervise(loadStart);
    log('load started');

    const targets: FaultTargets = { topology: shop, nats, postgres, pauseMs: settings.pauseMs, random };
    const faults: InjectedFault[] = [];
    const canaries: Promise<ClientOutcome>[] = [];
    const schedule = rotation(settings.faults);
    for (let n = 0; schedule.length > 0; n++) {
      const next = loadStart + (n + 1) * settings.faultEveryMs;
      if (next > loadStart + settings.seconds * 1000 - 1_000) break;
      await sleep(next - Date.now());
      const kind = schedule[n % schedule.length];
      const fault: InjectedFault = { kind, target: '?', atMs: Date.now() - loadStart, outageMs: 0 };
      faults.push(fault);
      canaries.push(canary(fault, { ...loadOptions, products: [{ sku: 'CANARY', priceCents: 100 }] }, () => url('orders')));
      try {
        Object.assign(fault, await inject(kind, targets));
      } catch (error) {
        fault.error = (error as Error).message.split('\n')[0];
      }
      log(`fault ${faults.length}: ${kind} ${fault.target} (back after ${fault.outageMs} ms)${fault.error ? ` FAILED: ${fault.error}` : ''}`);
    }
    await loadDone;
    log(`load stopped after ${load.clients.length} orders; waiting for the clients`);
    const revived = await shop.reviveAll();
    if (revived.length) log(`restarted processes found down: ${revived.join(', ')}`);
    const clients = await load.settled();
    const canaryOutcomes = await Promise.all(canaries);

    const accepted = [...clients, ...canaryOutcomes].filter((c) => c.orderId).map((c) => c.orderId!);
    const checkInput = { databaseUrl: databases.shop, paymentsDatabaseUrl: databases.shop_payments, nats: { url: nats.url, namespace }, acceptedOrderIds: accepted, stockIn };
    const quiet = await waitForQuiescence(checkInput, { timeoutMs: settings.quiesceMs });
    log(quiet.quiet ? `quiescent after ${quiet.waitedMs} ms` : `NOT quiescent after ${quiet.waitedMs} ms: ${quiet.busy.join('; ')}`);
    const result: ShopCheckResult = await checkShop(checkInput);

    console.log(formatRun({ settings, faults, clients, canaries: canaryOutcomes, result, quiet, revived, crashes: shop.crashes }));
    console.log(formatCheck(result, 5));
    const conflicts = clients.filter((c) => c.conflict).length;
    const ok = result.ok && conflicts === 0 && quiet.quiet && shop.crashes.length === 0;
    console.log(ok ? '[chaos] PASSED' : '[chaos] FAILED: see the tables above');
    return ok ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

/** Recovery after a fault: an order placed as the fault lands; recovered when it is final. */
async function canary(fault: InjectedFault, options: LoadOptions, ordersUrl: () => string): Promise<ClientOutcome> {
  const started = Date.now();
  const outcome = await placeWithRetries(options);
  if (!outcome.orderId) return outcome;
  try {
    await waitFor(
      'canary final',
      async () => {
        const r = await fetch(`${ordersUrl()}/orders/${outcome.orderId}`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
        return r?.ok && ((await r.json()) as { status: string }).status !== 'PENDING';
      },
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    fault.recoveryMs = Date.now() - started;
  } catch {
    /* never final: recoveryMs stays undefined and the checker reports the order */
  }
  return outcome;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[chaos] the run failed: ${(error as Error).stack ?? error}`);
    process.exit(2);
  },
);
