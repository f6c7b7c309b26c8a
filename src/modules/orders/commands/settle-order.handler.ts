import { OnModuleInit } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../platform/clock';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Outbox } from '../../../platform/outbox/outbox';
import { CancellationReason, Order } from '../domain/order.aggregate';
import { orderEvents } from '../infrastructure/order-events';
import { OrderRepository } from '../infrastructure/order.repository';
import { exportSagaOutcomesFromZero, recordSagaOutcome } from '../infrastructure/saga-metrics';

/** The saga's verdict on an order: confirm it, or cancel it with a reason. */
export class SettleOrder {
  constructor(
    readonly orderId: string,
    readonly verdict: { confirm: true } | { confirm: false; reason: CancellationReason },
  ) {}
}

@CommandHandler(SettleOrder)
export class SettleOrderHandler implements ICommandHandler<SettleOrder>, OnModuleInit {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: Outbox,
    private readonly orders: OrderRepository,
    private readonly clock: Clock,
  ) {}

  /** The outcomes it records are on /metrics, at 0, from the moment orders runs in this process. */
  onModuleInit(): void {
    exportSagaOutcomesFromZero();
  }

  execute({ orderId, verdict }: SettleOrder): Promise<void> {
    return this.tx.run(async (m) => {
      const stored = await this.orders.find(m, orderId, true);
      // Every outcome is caused by an OrderPlaced committed with its order: an unknown order is a bad event, not "not yet".
      if (!stored) throw new Error(`order ${orderId} not found`);
      const order = Order.restore(stored);
      const now = this.clock.now();
      const changed = verdict.confirm ? order.confirm(now) : order.cancel(verdict.reason, now);
      if (!changed) return;
      await this.orders.saveTransition(m, order);
      await this.outbox.append(m, orderEvents(order));
      const reason = verdict.confirm ? null : verdict.reason;
      this.tx.afterCommit(() => recordSagaOutcome(verdict.confirm ? 'CONFIRMED' : 'CANCELLED', reason, stored.createdAt, now));
    });
  }
}
