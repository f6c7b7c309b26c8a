import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cents, email, orderLines, paymentToken, pricedLine, uuid } from '../shared-schemas';

/** A customer placed an order, priced from the orders catalog snapshot. */
export const OrderPlacedV1 = defineContract(
  'orders.OrderPlaced',
  1,
  z
    .object({
      orderId: z.uuid(),
      customerId: uuid,
      customerEmail: email,
      items: orderLines(pricedLine),
      totalCents: cents,
      paymentToken,
    })
    .strict(),
  { secret: ['paymentToken'], personal: ['customerEmail'], description: 'A customer placed an order, priced from the orders catalog snapshot.' },
);
export type OrderPlacedV1 = EventOf<typeof OrderPlacedV1>;
