import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProductRegisteredV1 } from '../../../contracts';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Outbox } from '../../../platform/outbox/outbox';
import { pendingEvent } from '../../../platform/outbox/pending-event';
import { SkuAlreadyExistsError } from '../domain/inventory.errors';
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
      await this.outbox.append(m, [
        pendingEvent(ProductRegisteredV1, { type: 'Product', id: row.sku, version: row.version }, {
          sku: row.sku,
          name: row.name,
          priceCents: row.priceCents,
        }),
      ]);
      return row;
    });
  }
}
