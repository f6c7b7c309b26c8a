import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { ProductNotFoundError } from '../domain/inventory.errors';
import { ProductRepository, ProductRow } from '../infrastructure/product.repository';

export class RestockProduct {
  constructor(
    readonly sku: string,
    readonly quantity: number,
  ) {}
}

@CommandHandler(RestockProduct)
export class RestockProductHandler implements ICommandHandler<RestockProduct, ProductRow> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly products: ProductRepository,
  ) {}

  execute({ sku, quantity }: RestockProduct): Promise<ProductRow> {
    return this.tx.run(async (m) => {
      const row = await this.products.restock(m, sku, quantity);
      if (!row) throw new ProductNotFoundError(sku);
      return row;
    });
  }
}
