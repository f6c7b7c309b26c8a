import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../platform/clock';
import { messageContext } from '../../../platform/messaging/message-context';
import { OrderRepository } from '../infrastructure/order.repository';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { SettleOrder } from './settle-order.handler';

/** Cancels (TIMED_OUT) up to `limit` orders still PENDING after `timeoutMs`; returns how many it looked at. */
export class CancelOverdueOrders {
  constructor(
    readonly timeoutMs: number,
    readonly limit = 50,
  ) {}
}

@CommandHandler(CancelOverdueOrders)
export class CancelOverdueOrdersHandler implements ICommandHandler<CancelOverdueOrders, number> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly commands: CommandBus,
    private readonly clock: Clock,
  ) {}

  async execute({ timeoutMs, limit }: CancelOverdueOrders): Promise<number> {
    const before = new Date(this.clock.now().getTime() - timeoutMs);
    const overdue = await this.tx.single((m) => this.orders.pendingSince(m, before, limit));
    for (const id of overdue) {
      // Each cancel is its own transaction; the order row lock makes a racing outcome or replica a no-op.
      const context = { correlationId: id, causationId: `deadline:${id}` };
      await messageContext.run(context, () => this.commands.execute(new SettleOrder(id, { confirm: false, reason: 'TIMED_OUT' })));
    }
    return overdue.length;
  }
}
