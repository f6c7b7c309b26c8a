import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProductRegisteredV1 } from '../../../contracts';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Outbox } from '../../../platform/outbox/outbox';
import { SkuAlreadyExistsError } from '../domain/inventory.errors';
import { productEvent } from '../infrastructure/product-events';
import { ProductRepository, ProductRow } from '../infrastructure/product.repository';

export class RegisterProduct {
  constructor(readonly product: { sku: string; name: string; priceCents: number; quantity: number }) {}
}

@CommandHandler(RegisterProduct)
export class RegisterProductHandler implements ICommandHandler<RegisterProduct, ProductRow> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: Outbox,
    private readonly products: ProductRepository,
  ) {}

  execute({ product }: RegisterProduct): Promise<ProductRow> {
    return this.tx.run(async (m) => {
      const row = await this.products.insert(m, product);
      if (!row) throw new SkuAlreadyExistsError(product.sku);
      await this.outbox.append(m, [productEvent(ProductRegisteredV1, row)]);
      return row;
    });
  }
}
