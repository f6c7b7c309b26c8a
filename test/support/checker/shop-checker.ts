import { findViolations, INVARIANTS, InvariantName, Violation, ViolationKind } from './invariants';
import { MODULES, ShopModule } from './saga-rules';
import { readSnapshot, ShopSnapshot } from './shop-snapshot';

export { INVARIANTS } from './invariants';
export type { Violation } from './invariants';

/**
 * The independent checker: reads the databases and the streams with its own clients and judges
 * the shop by the documented invariants. It shares no code with the product (nothing from src/).
 */
export interface ShopCheckInput {
  /** Orders, inventory and notifications (and payments unless `paymentsDatabaseUrl`). */
  databaseUrl: string;
  /** The payments module's database, with the simulated gateway's ledger. */
  paymentsDatabaseUrl?: string;
  /** The broker and namespace; omit for the in-process transport (no stream to compare). */
  nats?: { url: string; namespace: string };
  /** The order ids the shop answered 201 for. */
  acceptedOrderIds: readonly string[];
  /** Per sku, initial quantity + everything restocked. */
  stockIn?: Readonly<Record<string, number>>;
}

export interface ShopCheckResult {
  ok: boolean;
  violations: Violation[];
  counts: { orders: number; confirmed: number; cancelled: number; pending: number; events: number; streamMessages: number };
  byKind: Record<ViolationKind, number>;
}

export async function checkShop(input: ShopCheckInput): Promise<ShopCheckResult> {
  const snapshot = await readSnapshot({ databases: databasesOf(input), nats: input.nats });
  return judge(snapshot, input);
}

export function judge(snapshot: ShopSnapshot, input: Pick<ShopCheckInput, 'acceptedOrderIds' | 'stockIn'>): ShopCheckResult {
  const violations = findViolations(snapshot, input);
  const byKind: Record<ViolationKind, number> = { lost: 0, duplicate: 0, invariant: 0 };
  for (const v of violations) byKind[INVARIANTS[v.invariant][0]]++;
  const count = (status: string) => snapshot.orders.filter((o) => o.status === status).length;
  const modules = MODULES.map((m) => snapshot.modules[m]);
  return {
    ok: violations.length === 0,
    violations,
    byKind,
    counts: {
      orders: snapshot.orders.length,
      confirmed: count('CONFIRMED'),
      cancelled: count('CANCELLED'),
      pending: count('PENDING'),
      events: modules.reduce((n, m) => n + m.outbox.length, 0),
      streamMessages: modules.reduce((n, m) => n + (m.stream?.length ?? 0), 0),
    },
  };
}

export function databasesOf(input: Pick<ShopCheckInput, 'databaseUrl' | 'paymentsDatabaseUrl'>): Record<ShopModule, string> {
  return {
    orders: input.databaseUrl,
    inventory: input.databaseUrl,
    notifications: input.databaseUrl,
    payments: input.paymentsDatabaseUrl ?? input.databaseUrl,
  };
}

/** One line per invariant (held or broken, with a few examples), for a terminal. */
export function formatCheck(result: ShopCheckResult, examples = 3): string {
  const { counts } = result;
  const lines = [
    `orders ${counts.orders} (confirmed ${counts.confirmed}, cancelled ${counts.cancelled}, pending ${counts.pending}); ` +
      `events ${counts.events}; stream messages ${counts.streamMessages}`,
  ];
  const width = Math.max(...Object.keys(INVARIANTS).map((k) => k.length));
  for (const [name, [kind, meaning]] of Object.entries(INVARIANTS) as [InvariantName, [ViolationKind, string]][]) {
    const broken = result.violations.filter((v) => v.invariant === name);
    lines.push(`${broken.length ? 'FAIL' : ' ok '} ${name.padEnd(width)} ${String(broken.length).padStart(5)}  ${meaning} [${kind}]`);
    for (const v of broken.slice(0, examples)) lines.push(`       ${v.subject}: ${v.detail}`);
    if (broken.length > examples) lines.push(`       … ${broken.length - examples} more`);
  }
  lines.push(result.ok ? 'checker: all invariants hold' : `checker: ${result.violations.length} violation(s)`);
  return lines.join('\n');
}
