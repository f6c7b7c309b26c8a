import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { StockReservationFailedV1, StockReservedV1 } from '../../../contracts';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Outbox } from '../../../platform/outbox/outbox';
import { pendingEvent } from '../../../platform/outbox/pending-event';
import { Line, planReservation, shortages } from '../domain/reservation-plan';
import { ProductRepository } from '../infrastructure/product.repository';

export class ReserveStock {
  constructor(
    readonly orderId: string,
    readonly lines: Line[],
  ) {}
}

/** All lines or none: lock the rows in sku order, check, then move available → reserved. */
@CommandHandler(ReserveStock)
export class ReserveStockHandler implements ICommandHandler<ReserveStock> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: Outbox,
    private readonly products: ProductRepository,
  ) {}

  execute({ orderId, lines }: ReserveStock): Promise<void> {
    const aggregate = { type: 'Reservation', id: orderId, version: 1 };
    return this.tx.run(async (m) => {
      const plan = planReservation(lines);
      const { closed, available } = await this.products.lockForReservation(m, orderId, plan.map((l) => l.sku));
      // Cancelled before its OrderPlaced got here (the saga's deadline): nothing to hold.
      if (closed) return;
      const short = shortages(plan, available);
      if (short.length > 0) {
        await this.outbox.append(m, [
          pendingEvent(StockReservationFailedV1, aggregate, { orderId, reason: 'OUT_OF_STOCK', skus: short }, orderId),
        ]);
        return;
      }
      await this.products.reserve(m, orderId, plan);
      await this.outbox.append(m, [pendingEvent(StockReservedV1, aggregate, { orderId, lines: plan }, orderId)]);
    });
  }
}
