import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { orderLine, orderLines } from '../shared-schemas';

/** Every line of the order is held for it. */
export const StockReservedV1 = defineContract(
  'inventory.StockReserved',
  1,
  z.object({ orderId: z.uuid(), lines: orderLines(orderLine) }).strict(),
  { description: 'Every line of an order is held for it.' },
);
export type StockReservedV1 = EventOf<typeof StockReservedV1>;
