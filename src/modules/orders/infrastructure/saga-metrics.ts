import { Counter, Histogram, register } from 'prom-client';
import { CANCELLATION_REASONS } from '../../../contracts/shared-schemas';
import { CancellationReason } from '../domain/order.aggregate';

/** One metric per name in the process-wide registry, however many applications the process hosts (tests). */
const once = <T>(name: string, create: () => T): T => (register.getSingleMetric(name) as T | undefined) ?? create();

const outcomes = once(
  'shop_saga_outcomes_total',
  () =>
    new Counter({
      name: 'shop_saga_outcomes_total',
      help: 'Orders that became final, by status and cancellation reason (none for a confirmed order)',
      labelNames: ['status', 'reason'],
    }),
);

const placeToFinal = once(
  'shop_order_place_to_final_seconds',
  () =>
    new Histogram({
      name: 'shop_order_place_to_final_seconds',
      help: 'From an order placed to confirmed or cancelled (the saga\'s latency), by final status',
      labelNames: ['status'],
      // Up to the default saga deadline (5 minutes) and past it.
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    }),
);

/** Counted once the transaction that made the order final has committed (never for a rollback or a repeat). */
export function recordSagaOutcome(status: 'CONFIRMED' | 'CANCELLED', reason: CancellationReason | null, placedAt: Date, now: Date): void {
  outcomes.inc({ status, reason: reason ?? 'none' });
  placeToFinal.observe({ status }, Math.max(0, (now.getTime() - placedAt.getTime()) / 1000));
}

/**
 * Every outcome's series at 0 from the start (where orders runs). A series born at 1 is no
 * increase to Prometheus: the first order cancelled TIMED_OUT after a restart would never fire
 * ShopOrdersTimingOut, and a lone one never at all.
 */
export function exportSagaOutcomesFromZero(): void {
  outcomes.inc({ status: 'CONFIRMED', reason: 'none' }, 0);
  for (const reason of CANCELLATION_REASONS) outcomes.inc({ status: 'CANCELLED', reason }, 0);
  for (const status of ['CONFIRMED', 'CANCELLED']) placeToFinal.zero({ status });
}
