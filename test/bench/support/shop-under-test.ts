import { Client } from 'pg';
import { AppProcess } from '../../support/shop/app-process';
import { deleteNamespace, testNamespace } from '../../support/test-broker';
import { createTestDatabase, TestDatabase } from '../../support/test-database';
import { waitFor } from '../../support/wait-for';
import { OrderTarget } from './open-loop';
import { cpuMsOf } from './process-cpu';

const SKUS = 50;

/**
 * The built shop (`dist/main.js`, all modules) as its own process on a fresh database and
 * namespace, with stock to spare: the load generator never shares its event loop.
 */
export class ShopUnderTest implements OrderTarget {
  readonly skus = Array.from({ length: SKUS }, (_, i) => `BENCH-${i}`);
  private db!: TestDatabase;
  private process!: AppProcess;
  private client!: Client;
  private readonly namespace: string;

  constructor(
    readonly label: string,
    private readonly env: Record<string, string>,
  ) {
    this.namespace = testNamespace('bench');
  }

  get baseUrl(): string {
    return this.process.url;
  }

  get inProcess(): boolean {
    return this.env.NATS_URL === '';
  }

  async start(): Promise<this> {
    this.db = await createTestDatabase('bench');
    this.process = new AppProcess(this.label.replace(/\W+/g, '-'), {
      DATABASE_URL: this.db.url,
      MESSAGING_NAMESPACE: this.namespace,
      RATE_LIMIT_PER_MINUTE: '100000000',
      LOG_LEVEL: 'warn',
      ...this.env,
    }, process.env.BENCH_SHOP_MAIN || undefined);
    await this.process.start();
    this.client = new Client({ connectionString: this.db.url });
    await this.client.connect();
    for (const sku of this.skus) {
      const response = await fetch(`${this.baseUrl}/inventory/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku, name: `Bench ${sku}`, priceCents: 1000, quantity: 1_000_000 }),
      });
      if (response.status !== 201) throw new Error(`registering ${sku}: ${response.status} ${await response.text()}`);
    }
    await waitFor('the catalog snapshot', async () => {
      const [row] = (await this.client.query('SELECT count(*)::int AS n FROM orders.catalog')).rows;
      return row.n === SKUS;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    return this;
  }

  cpuMs(): number | undefined {
    return cpuMsOf(this.process.pid);
  }

  async confirmedAt(ids: string[]): Promise<Map<string, number>> {
    const { rows } = await this.client.query<{ id: string; t: number }>(
      `SELECT id, extract(epoch FROM updated_at) * 1000 AS t FROM orders.orders WHERE status = 'CONFIRMED' AND id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, Number(r.t)]));
  }

  /**
   * Commit → consumer transaction start of every event written since `sinceMs`: the inbox row's
   * `processed_at` (the consumer transaction's start) minus the envelope's `occurredAt` (stamped
   * at append, a statement or two before the producer's commit: the figure overstates by that).
   */
  async hopLatencies(sinceMs: number): Promise<number[]> {
    const inboxes = ['orders', 'inventory', 'payments', 'notifications'].map((m) => `SELECT event_id, processed_at FROM ${m}.inbox`).join(' UNION ALL ');
    const outboxes = ['orders', 'inventory', 'payments', 'notifications'].map((m) => `SELECT id, envelope FROM ${m}.outbox`).join(' UNION ALL ');
    const { rows } = await this.client.query<{ ms: number }>(
      `SELECT (extract(epoch FROM i.processed_at) - extract(epoch FROM (o.envelope->>'occurredAt')::timestamptz)) * 1000 AS ms
       FROM (${inboxes}) i JOIN (${outboxes}) o ON o.id = i.event_id
       WHERE (o.envelope->>'occurredAt')::timestamptz >= to_timestamp($1::float8 / 1000)`,
      [sinceMs],
    );
    return rows.map((r) => Number(r.ms));
  }

  /** Where an order's time goes: commit → consumer start per (consumer, event type), p50/p99 in ms. */
  async hopsByType(sinceMs: number): Promise<string[]> {
    const inboxes = ['orders', 'inventory', 'payments', 'notifications'].map((m) => `SELECT consumer, event_id, processed_at FROM ${m}.inbox`).join(' UNION ALL ');
    const outboxes = ['orders', 'inventory', 'payments', 'notifications'].map((m) => `SELECT id, type, envelope FROM ${m}.outbox`).join(' UNION ALL ');
    const { rows } = await this.client.query(
      `SELECT consumer, type, count(*)::int AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
       FROM (SELECT i.consumer, o.type, (extract(epoch FROM i.processed_at) - extract(epoch FROM (o.envelope->>'occurredAt')::timestamptz)) * 1000 AS ms
             FROM (${inboxes}) i JOIN (${outboxes}) o ON o.id = i.event_id
             WHERE (o.envelope->>'occurredAt')::timestamptz >= to_timestamp($1::float8 / 1000)) x
       GROUP BY 1, 2 ORDER BY 2, 1`,
      [sinceMs],
    );
    return rows.map((r) => `${r.consumer} ← ${r.type}: n ${r.n}, p50 ${Number(r.p50).toFixed(1)} p99 ${Number(r.p99).toFixed(1)} ms`);
  }

  /** Waits until nothing is left to publish, so the next measurement starts from quiet. */
  async quiesce(timeoutMs = 60_000): Promise<void> {
    await waitFor('the shop to go quiet', async () => {
      const { rows } = await this.client.query(
        `SELECT (SELECT count(*) FROM orders.outbox WHERE published_at IS NULL) + (SELECT count(*) FROM inventory.outbox WHERE published_at IS NULL)
              + (SELECT count(*) FROM payments.outbox WHERE published_at IS NULL) + (SELECT count(*) FROM orders.orders WHERE status = 'PENDING') AS n`,
      );
      return Number(rows[0].n) === 0;
    }, { timeoutMs, intervalMs: 250 }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    await this.process?.stop();
    await this.db?.drop();
    if (!this.inProcess) await deleteNamespace(this.namespace);
  }
}
