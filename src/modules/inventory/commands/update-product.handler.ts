import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProductUpdatedV1 } from '../../../contracts';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Outbox } from '../../../platform/outbox/outbox';
import { ProductNotFoundError } from '../domain/inventory.errors';
import { productEvent } from '../infrastructure/product-events';
import { ProductRepository, ProductRow } from '../infrastructure/product.repository';

export class UpdateProduct {
  constructor(
    readonly sku: string,
    readonly patch: { name?: string; priceCents?: number },
  ) {}
}

@CommandHandler(UpdateProduct)
export class UpdateProductHandler implements ICommandHandler<UpdateProduct, ProductRow> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: Outbox,
    private readonly products: ProductRepository,
  ) {}

  execute({ sku, patch }: UpdateProduct): Promise<ProductRow> {
    return this.tx.run(async (m) => {
      const row = await this.products.update(m, sku, patch);
      if (!row) throw new ProductNotFoundError(sku);
      await this.outbox.append(m, [productEvent(ProductUpdatedV1, row)]);
      return row;
    });
  }
}
