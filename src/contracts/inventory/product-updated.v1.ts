import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { priceCents, productName, sku } from '../shared-schemas';

/** The product's catalog data after a rename or reprice; newer aggregate versions win. */
export const ProductUpdatedV1 = defineContract(
  'inventory.ProductUpdated',
  1,
  z.object({ sku, name: productName, priceCents }).strict(),
  { description: 'A product was renamed or repriced; the newest aggregate version wins.' },
);
export type ProductUpdatedV1 = EventOf<typeof ProductUpdatedV1>;
