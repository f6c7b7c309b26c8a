import { ProductRegisteredV1, ProductUpdatedV1 } from '../../../contracts';
import { PendingEvent } from '../../../platform/outbox/outbox';
import { pendingEvent } from '../../../platform/outbox/pending-event';
import { ProductRow } from './product.repository';

/** The catalog data of a product, versioned by the row's version: what the orders snapshot keeps. */
export function productEvent(contract: typeof ProductRegisteredV1 | typeof ProductUpdatedV1, row: ProductRow): PendingEvent {
  const { sku, name, priceCents, version } = row;
  return pendingEvent(contract, { type: 'Product', id: sku, version }, { sku, name, priceCents });
}
