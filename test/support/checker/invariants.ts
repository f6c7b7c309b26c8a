import { EXPECTED_TEMPLATES, MODULES, MONEY_RETURNED, SUBSCRIPTIONS } from './saga-rules';
import { OrderRow, ShopSnapshot } from './shop-snapshot';

/** How a broken invariant counts in a chaos table: something lost, something done twice, or else. */
export type ViolationKind = 'lost' | 'duplicate' | 'invariant';

export const INVARIANTS = {
  'order-lost': ['lost', 'an accepted order (201) is not in the orders table'],
  'order-final': ['invariant', 'every order ends CONFIRMED or CANCELLED'],
  'stock-negative': ['invariant', 'no stock figure below zero'],
  'stock-conserved': ['invariant', 'initial + restocked = available + reserved + sold'],
  'stock-reserved': ['invariant', 'reserved = the open reservations (0 once every order is final)'],
  'stock-sold': ['invariant', 'sold = the confirmed orders\' quantities'],
  'reservation-matches-order': ['duplicate', 'an order\'s reservation is its lines, once each'],
  'reservation-settled': ['invariant', 'a confirmed order\'s stock is committed, a cancelled one\'s released'],
  'capture-once': ['duplicate', 'a confirmed order: one payment CAPTURED for its total, one captured charge in the ledger'],
  'money-kept': ['invariant', 'a cancelled order keeps no money (no capture, or refunded)'],
  'payment-settled': ['invariant', 'every final order\'s payment is decided (no open intent, none missing)'],
  'charge-without-order': ['invariant', 'every charge in the gateway\'s ledger belongs to an order'],
  'email-once': ['duplicate', 'one e-mail per (order, template)'],
  'email-templates': ['invariant', 'a final order got exactly the e-mails of its status'],
  'outbox-unpublished': ['lost', 'every outbox row is published'],
  'stream-duplicate': ['duplicate', 'one stream message per event id (Nats-Msg-Id)'],
  'stream-missing': ['lost', 'every outbox row is in its module\'s stream'],
  'stream-unknown': ['invariant', 'every stream message is an outbox row (id = Nats-Msg-Id = envelope id)'],
  'event-not-consumed': ['lost', 'every event is recorded in the inbox of each consumer that handles it'],
  'dead-letter': ['invariant', 'nothing parked (outbox or delivery) after a run'],
} as const satisfies Record<string, readonly [ViolationKind, string]>;

export type InvariantName = keyof typeof INVARIANTS;

export interface Violation {
  invariant: InvariantName;
  /** What it is about: an order id, a sku, `module/event id`. */
  subject: string;
  detail: string;
}

export interface CheckOptions {
  acceptedOrderIds: readonly string[];
  /** Per sku, initial quantity + everything restocked; skus left out are not checked for conservation. */
  stockIn?: Readonly<Record<string, number>>;
}

/** Every invariant over one snapshot; pure, so a test can feed it a hand-made snapshot. */
export function findViolations(s: ShopSnapshot, options: CheckOptions): Violation[] {
  const v: Violation[] = [];
  const add = (invariant: InvariantName, subject: string, detail: string) => v.push({ invariant, subject, detail });
  const orders = new Map(s.orders.map((o) => [o.id, o]));
  const allFinal = s.orders.every(isFinal);

  for (const id of options.acceptedOrderIds) if (!orders.has(id)) add('order-lost', id, 'answered 201, not stored');
  for (const o of s.orders) if (!isFinal(o)) add('order-final', o.id, `status ${o.status}`);

  checkStock(s, options, allFinal, add);
  checkReservations(s, add);
  checkPayments(s, orders, add);
  checkNotifications(s, orders, add);
  checkMessaging(s, add);
  return v;
}

type Add = (invariant: InvariantName, subject: string, detail: string) => void;

const isFinal = (o: OrderRow) => o.status === 'CONFIRMED' || o.status === 'CANCELLED';

function checkStock(s: ShopSnapshot, options: CheckOptions, allFinal: boolean, add: Add) {
  const sold = new Map<string, number>();
  for (const o of s.orders.filter((o) => o.status === 'CONFIRMED')) {
    for (const [sku, q] of o.lines) sold.set(sku, (sold.get(sku) ?? 0) + q);
  }
  const held = new Map<string, number>();
  for (const r of s.reservations.filter((r) => r.status === 'RESERVED')) held.set(r.sku, (held.get(r.sku) ?? 0) + r.quantity);
  for (const p of s.products) {
    const figures = `available ${p.available}, reserved ${p.reserved}, sold ${p.sold}`;
    if (p.available < 0 || p.reserved < 0 || p.sold < 0) add('stock-negative', p.sku, figures);
    const stockIn = options.stockIn?.[p.sku];
    if (stockIn !== undefined && stockIn !== p.available + p.reserved + p.sold) {
      add('stock-conserved', p.sku, `in ${stockIn} ≠ ${p.available + p.reserved + p.sold} (${figures})`);
    }
    if (p.reserved !== (held.get(p.sku) ?? 0)) add('stock-reserved', p.sku, `reserved ${p.reserved}, open reservations ${held.get(p.sku) ?? 0}`);
    else if (allFinal && p.reserved !== 0) add('stock-reserved', p.sku, `reserved ${p.reserved} with every order final`);
    if (p.sold !== (sold.get(p.sku) ?? 0)) add('stock-sold', p.sku, `sold ${p.sold}, confirmed orders ${sold.get(p.sku) ?? 0}`);
  }
  for (const sku of Object.keys(options.stockIn ?? {})) {
    if (!s.products.some((p) => p.sku === sku)) add('stock-conserved', sku, 'product missing');
  }
}

function checkReservations(s: ShopSnapshot, add: Add) {
  const byOrder = groupBy(s.reservations, (r) => r.orderId);
  for (const o of s.orders) {
    const held = byOrder.get(o.id) ?? [];
    if (held.length === 0) continue; // out of stock: nothing was ever held
    const bySku = groupBy(held, (r) => r.sku);
    const same = bySku.size === o.lines.size && [...o.lines].every(([sku, q]) => bySku.get(sku)?.length === 1 && bySku.get(sku)![0].quantity === q);
    const shown = held.map((r) => `${r.sku}×${r.quantity} ${r.status}`).join(', ');
    if (!same) add('reservation-matches-order', o.id, `order ${[...o.lines].map(([k, q]) => `${k}×${q}`).join(', ')}; held ${shown}`);
    const expected = o.status === 'CONFIRMED' ? 'COMMITTED' : o.status === 'CANCELLED' ? 'RELEASED' : undefined;
    if (expected && held.some((r) => r.status !== expected)) add('reservation-settled', o.id, `${o.status}, held ${shown}`);
  }
  for (const orderId of byOrder.keys()) if (!s.orders.some((o) => o.id === orderId)) add('reservation-matches-order', orderId, 'no such order');
}

function checkPayments(s: ShopSnapshot, orders: Map<string, OrderRow>, add: Add) {
  const payments = groupBy(s.payments, (p) => p.orderId);
  const captured = s.ledger.filter((c) => c.outcome === 'captured');
  const chargeOwner = new Map(s.payments.filter((p) => p.chargeId).map((p) => [p.chargeId!, p.orderId]));
  const chargesOf = groupBy(captured, (c) => (orders.has(c.key) ? c.key : chargeOwner.get(c.chargeId) ?? c.key));
  for (const o of s.orders.filter(isFinal)) {
    const mine = payments.get(o.id) ?? [];
    const charges = chargesOf.get(o.id) ?? [];
    const kept = charges.filter((c) => !c.refunded);
    if (mine.length !== 1) add('payment-settled', o.id, `${mine.length} payment rows`);
    if (mine.some((p) => p.status === 'PENDING')) add('payment-settled', o.id, `${o.status} with the intent still PENDING`);
    if (o.status === 'CONFIRMED') {
      const ok = mine.filter((p) => p.status === 'CAPTURED' && p.amountCents === o.totalCents);
      if (ok.length !== 1) add('capture-once', o.id, `payments ${describe(mine)}; total ${o.totalCents}`);
      if (kept.length !== 1 || kept[0].amountCents !== o.totalCents) {
        add('capture-once', o.id, `ledger captures kept: ${kept.map((c) => c.amountCents).join(', ') || 'none'}; total ${o.totalCents}`);
      }
    } else {
      if (mine.some((p) => !MONEY_RETURNED.includes(p.status) && p.status !== 'PENDING')) add('money-kept', o.id, `payments ${describe(mine)}`);
      if (kept.length > 0) add('money-kept', o.id, `ledger captured ${kept.map((c) => c.amountCents).join(', ')} not refunded (${o.reason})`);
    }
  }
  for (const [owner, charges] of chargesOf) if (!orders.has(owner)) add('charge-without-order', owner, `${charges.length} captured charge(s)`);
}

function checkNotifications(s: ShopSnapshot, orders: Map<string, OrderRow>, add: Add) {
  const byOrder = groupBy(s.notifications, (n) => n.orderId);
  for (const [orderId, sent] of byOrder) {
    for (const [template, copies] of groupBy(sent, (n) => n.template)) {
      if (copies.length > 1) add('email-once', orderId, `${template} ×${copies.length}`);
    }
    if (!orders.has(orderId)) add('email-templates', orderId, 'e-mails for an order that does not exist');
  }
  for (const o of s.orders.filter(isFinal)) {
    const got = [...new Set((byOrder.get(o.id) ?? []).map((n) => n.template))].sort();
    const expected = EXPECTED_TEMPLATES[o.status as 'CONFIRMED' | 'CANCELLED'];
    if (got.join() !== expected.join()) add('email-templates', o.id, `${o.status}: got [${got.join(', ')}], expected [${expected.join(', ')}]`);
  }
}

function checkMessaging(s: ShopSnapshot, add: Add) {
  const consumed = new Map<string, Set<string>>(); // consumer → event ids in its inbox
  for (const module of MODULES) consumed.set(module, new Set(s.modules[module].inbox.filter((e) => e.consumer === module).map((e) => e.eventId)));
  for (const module of MODULES) {
    const { outbox, stream, deadLetters } = s.modules[module];
    for (const d of deadLetters) add('dead-letter', `${module}/${d.eventId ?? '?'}`, `${d.source} ${d.consumer ?? ''} ${d.type}: ${d.error.slice(0, 160)}`);
    for (const row of outbox.filter((r) => !r.published)) add('outbox-unpublished', `${module}/${row.id}`, row.type);
    if (stream) {
      const ids = new Set(outbox.map((r) => r.id));
      const seen = groupBy(stream, (m) => m.msgId ?? `(no id, seq ${m.seq})`);
      for (const [msgId, copies] of seen) {
        if (copies.length > 1) add('stream-duplicate', `${module}/${msgId}`, `${copies.length} messages, seqs ${copies.map((m) => m.seq).join(', ')}`);
        if (!ids.has(msgId)) add('stream-unknown', `${module}/${msgId}`, `seq ${copies[0].seq} ${copies[0].subject}: no such outbox row`);
        else if (copies.some((m) => m.eventId !== msgId)) add('stream-unknown', `${module}/${msgId}`, 'envelope id differs from Nats-Msg-Id');
      }
      for (const row of outbox.filter((r) => r.published && !seen.has(r.id))) add('stream-missing', `${module}/${row.id}`, `${row.type} marked published, not in the stream`);
    }
    for (const row of outbox) {
      for (const consumer of MODULES.filter((c) => SUBSCRIPTIONS[c].includes(row.type))) {
        if (consumed.get(consumer)!.has(row.id)) continue;
        const parked = s.modules[consumer].deadLetters.some((d) => d.eventId === row.id);
        add('event-not-consumed', `${consumer}/${row.id}`, `${row.type}${parked ? ' (parked)' : ''}`);
      }
    }
  }
}

const describe = (payments: { status: string; amountCents: number }[]) =>
  payments.map((p) => `${p.status} ${p.amountCents}`).join(', ') || 'none';

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
