import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cents, pricedLine } from '../shared-schemas';

/** A customer placed an order, priced from the orders catalog snapshot. */
export const OrderPlacedV1 = defineContract(
  'orders.OrderPlaced',
  1,
  z
    .object({
      orderId: z.uuid(),
      customerId: z.uuid(),
      customerEmail: z.email(),
      items: z.array(pricedLine).min(1).max(100),
      totalCents: cents,
      paymentToken: z.string().min(1).max(128),
    })
    .strict(),
);
export type OrderPlacedV1 = EventOf<typeof OrderPlacedV1>;
