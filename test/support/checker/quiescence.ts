import { connect } from 'nats';
import { Client } from 'pg';
import { MODULES } from './saga-rules';
import { databasesOf, ShopCheckInput } from './shop-checker';

export interface Quiescence {
  quiet: boolean;
  waitedMs: number;
  /** What was still moving at the last look (empty when quiet). */
  busy: string[];
}

/**
 * Waits until nothing moves: no unpublished outbox row, no pending or unacked message on any
 * durable consumer of the namespace, no PENDING order, for `stableMs` in a row. Gives up after
 * `timeoutMs` and says what was still busy; the checker then judges what it finds.
 */
export async function waitForQuiescence(
  input: Pick<ShopCheckInput, 'databaseUrl' | 'paymentsDatabaseUrl' | 'nats'>,
  { timeoutMs = 120_000, stableMs = 3_000, intervalMs = 500 } = {},
): Promise<Quiescence> {
  const started = Date.now();
  let quietSince: number | undefined;
  let busy: string[] = [];
  while (Date.now() - started < timeoutMs) {
    busy = await whatIsBusy(input).catch((error) => [`unreachable: ${(error as Error).message}`]);
    if (busy.length > 0) quietSince = undefined;
    else if ((quietSince ??= Date.now()) + stableMs <= Date.now()) return { quiet: true, waitedMs: Date.now() - started, busy };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return { quiet: false, waitedMs: Date.now() - started, busy };
}

async function whatIsBusy(input: Pick<ShopCheckInput, 'databaseUrl' | 'paymentsDatabaseUrl' | 'nats'>): Promise<string[]> {
  const busy: string[] = [];
  const databases = databasesOf(input);
  for (const module of MODULES) {
    const client = new Client({ connectionString: databases[module], application_name: 'shop-checker', connectionTimeoutMillis: 3_000 });
    await client.connect();
    try {
      const [{ n }] = (await client.query(`SELECT count(*)::int AS n FROM "${module}".outbox WHERE published_at IS NULL`)).rows;
      if (n > 0) busy.push(`${module} outbox: ${n} unpublished`);
      if (module === 'orders') {
        const [{ p }] = (await client.query(`SELECT count(*)::int AS p FROM orders.orders WHERE status = 'PENDING'`)).rows;
        if (p > 0) busy.push(`${p} orders PENDING`);
      }
      if (module === 'payments') {
        // Gateway calls the payments worker runs after its consumer acked: a charge or refund still due.
        const [{ c }] = (await client.query(`SELECT count(*)::int AS c FROM payments.payments WHERE status IN ('CHARGING', 'REFUNDING')`)).rows;
        if (c > 0) busy.push(`${c} payments CHARGING or REFUNDING`);
      }
    } finally {
      await client.end();
    }
  }
  if (input.nats) {
    const nc = await connect({ servers: input.nats.url, timeout: 3_000 });
    try {
      const jsm = await nc.jetstreamManager();
      const prefix = `${input.nats.namespace.toUpperCase()}_`;
      for await (const stream of jsm.streams.list()) {
        if (!stream.config.name.startsWith(prefix)) continue;
        for await (const c of jsm.consumers.list(stream.config.name)) {
          if (c.num_pending + c.num_ack_pending > 0) {
            busy.push(`${stream.config.name}/${c.name}: ${c.num_pending} pending, ${c.num_ack_pending} unacked`);
          }
        }
      }
    } finally {
      await nc.close();
    }
  }
  return busy;
}
