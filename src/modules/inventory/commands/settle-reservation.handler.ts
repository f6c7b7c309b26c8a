import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { ProductRepository } from '../infrastructure/product.repository';

/** RELEASED when the order is cancelled (compensation), COMMITTED when it is confirmed. */
export class SettleReservation {
  constructor(
    readonly orderId: string,
    readonly outcome: 'RELEASED' | 'COMMITTED',
  ) {}
}

@CommandHandler(SettleReservation)
export class SettleReservationHandler implements ICommandHandler<SettleReservation> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly products: ProductRepository,
  ) {}

  async execute({ orderId, outcome }: SettleReservation): Promise<void> {
    await this.tx.run(async (m) => {
      await this.products.settle(m, orderId, outcome);
    });
  }
}
