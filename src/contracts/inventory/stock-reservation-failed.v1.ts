import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { sku } from '../shared-schemas';

/** No line was reserved: at least one sku lacked the quantity. */
export const StockReservationFailedV1 = defineContract(
  'inventory.StockReservationFailed',
  1,
  z.object({ orderId: z.uuid(), reason: z.literal('OUT_OF_STOCK'), skus: z.array(sku) }).strict(),
  { description: 'No line of an order was reserved: at least one sku lacked the quantity.' },
);
export type StockReservationFailedV1 = EventOf<typeof StockReservationFailedV1>;
