export interface Line {
  sku: string;
  quantity: number;
}

/**
 * The lines of one order as the store must take them: one per sku (duplicates summed), sorted
 * by sku so that concurrent reservations lock rows in the same order and never deadlock.
 */
export function planReservation(lines: readonly Line[]): Line[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of lines) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

/** The skus that cannot be served from what is available (all or none). */
export function shortages(plan: readonly Line[], available: ReadonlyMap<string, number>): string[] {
  return plan.filter((l) => (available.get(l.sku) ?? 0) < l.quantity).map((l) => l.sku);
}
