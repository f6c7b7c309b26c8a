import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cents, sku } from '../shared-schemas';

/** The product's catalog data after a rename or reprice; newer aggregate versions win. */
export const ProductUpdatedV1 = defineContract(
  'inventory.ProductUpdated',
  1,
  z.object({ sku, name: z.string().min(1).max(200), priceCents: cents }).strict(),
);
export type ProductUpdatedV1 = EventOf<typeof ProductUpdatedV1>;
