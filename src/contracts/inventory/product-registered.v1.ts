import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { priceCents, productName, sku } from '../shared-schemas';

/** A product exists; its aggregate version (1) orders the catalog snapshots downstream. */
export const ProductRegisteredV1 = defineContract(
  'inventory.ProductRegistered',
  1,
  z.object({ sku, name: productName, priceCents }).strict(),
  { description: 'A product was registered: its sku, name and price.' },
);
export type ProductRegisteredV1 = EventOf<typeof ProductRegisteredV1>;
