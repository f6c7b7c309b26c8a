import { Client } from 'pg';
import { MODULES, ShopModule, streamName } from './saga-rules';
import { readStreamMessages, StreamMessage } from './stream-reader';

export interface OrderRow { id: string; status: string; reason: string | null; totalCents: number; lines: Map<string, number> }
export interface ProductRow { sku: string; available: number; reserved: number; sold: number }
export interface ReservationRow { orderId: string; sku: string; quantity: number; status: string }
export interface PaymentRow { orderId: string; status: string; amountCents: number; chargeId: string | null }
export interface LedgerRow { key: string; amountCents: number; outcome: string; chargeId: string; refunded: boolean }
export interface NotificationRow { orderId: string; template: string }
export interface OutboxRow { id: string; type: string; published: boolean }
export interface DeadLetterRow { source: string; consumer: string | null; eventId: string | null; type: string | null; error: string }

export interface ModuleSnapshot {
  outbox: OutboxRow[];
  inbox: { consumer: string; eventId: string }[];
  deadLetters: DeadLetterRow[];
  /** The module's stream, read back from JetStream; undefined without a broker (or no stream). */
  stream?: StreamMessage[];
}

/** Everything the invariants look at, read at one moment with the checker's own clients. */
export interface ShopSnapshot {
  orders: OrderRow[];
  products: ProductRow[];
  reservations: ReservationRow[];
  payments: PaymentRow[];
  ledger: LedgerRow[];
  notifications: NotificationRow[];
  modules: Record<ShopModule, ModuleSnapshot>;
}

export interface SnapshotSource {
  /** The database of each module's schema (the simulated gateway's ledger sits with payments). */
  databases: Record<ShopModule, string>;
  nats?: { url: string; namespace: string };
}

export async function readSnapshot(source: SnapshotSource): Promise<ShopSnapshot> {
  const clients = new Map<string, Client>();
  const db = async (module: ShopModule) => {
    const url = source.databases[module];
    let client = clients.get(url);
    if (!client) {
      client = new Client({ connectionString: url, application_name: 'shop-checker' });
      await client.connect();
      clients.set(url, client);
    }
    return client;
  };
  const rows = async <T>(module: ShopModule, sql: string): Promise<T[]> => (await (await db(module)).query(sql)).rows as T[];
  try {
    const orders = (
      await rows<{ id: string; status: string; reason: string | null; total: string; items: { sku: string; quantity: number }[] }>(
        'orders',
        'SELECT id, status, cancellation_reason AS reason, total_cents::text AS total, items FROM orders.orders',
      )
    ).map((o) => ({ id: o.id, status: o.status, reason: o.reason, totalCents: Number(o.total), lines: linesOf(o.items) }));
    const products = await rows<ProductRow>('inventory', 'SELECT sku, available, reserved, sold FROM inventory.products');
    const reservations = await rows<ReservationRow>(
      'inventory',
      'SELECT order_id AS "orderId", sku, quantity, status FROM inventory.reservations',
    );
    const payments = (
      await rows<PaymentRow & { amountCents: string }>(
        'payments',
        'SELECT order_id AS "orderId", status, amount_cents::text AS "amountCents", charge_id AS "chargeId" FROM payments.payments',
      )
    ).map((p) => ({ ...p, amountCents: Number(p.amountCents) }));
    const ledger = await readLedger(await db('payments'));
    const notifications = await rows<NotificationRow>(
      'notifications',
      'SELECT order_id AS "orderId", template FROM notifications.notifications',
    );
    const modules = {} as Record<ShopModule, ModuleSnapshot>;
    for (const module of MODULES) {
      modules[module] = {
        outbox: await rows<OutboxRow>(module, `SELECT id, type, published_at IS NOT NULL AS published FROM "${module}".outbox`),
        inbox: await rows(module, `SELECT consumer, event_id AS "eventId" FROM "${module}".inbox`),
        deadLetters: await rows<DeadLetterRow>(
          module,
          `SELECT source, consumer, event_id AS "eventId", type, error FROM "${module}".dead_letter WHERE retried_at IS NULL`,
        ),
        stream: source.nats ? await readStreamMessages(source.nats.url, streamName(source.nats.namespace, module)) : undefined,
      };
    }
    return { orders, products, reservations, payments, ledger, notifications, modules };
  } finally {
    await Promise.all([...clients.values()].map((c) => c.end().catch(() => undefined)));
  }
}

function linesOf(items: { sku: string; quantity: number }[]): Map<string, number> {
  const lines = new Map<string, number>();
  for (const { sku, quantity } of items) lines.set(sku, (lines.get(sku) ?? 0) + Number(quantity));
  return lines;
}

/**
 * The simulated gateway's ledger. How a refund is recorded there may change: a refund column,
 * a status, an outcome, or a refunds table keyed by charge id all count as "given back".
 */
async function readLedger(client: Client): Promise<LedgerRow[]> {
  const columns = new Set(
    (
      await client.query(
        `SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'gateway_simulator'`,
      )
    ).rows.map((r) => `${r.t}.${r.c}`),
  );
  if (!columns.has('charges.idempotency_key')) return [];
  const refundMarks = [`c.outcome IN ('refunded', 'voided')`];
  if (columns.has('charges.refunded_at')) refundMarks.push('c.refunded_at IS NOT NULL');
  if (columns.has('charges.status')) refundMarks.push(`lower(c.status) IN ('refunded', 'voided')`);
  if (columns.has('refunds.charge_id')) refundMarks.push('EXISTS (SELECT 1 FROM gateway_simulator.refunds r WHERE r.charge_id = c.charge_id)');
  const { rows } = await client.query(
    `SELECT c.idempotency_key AS key, c.amount_cents::text AS amount, c.outcome, c.charge_id AS "chargeId",
            (${refundMarks.join(' OR ')}) AS refunded
     FROM gateway_simulator.charges c`,
  );
  return rows.map((r) => ({ key: r.key, amountCents: Number(r.amount), outcome: r.outcome, chargeId: r.chargeId, refunded: r.refunded }));
}
