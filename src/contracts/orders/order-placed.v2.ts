import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cents, email, orderLines, pricedLine, uuid } from '../shared-schemas';

/**
 * A customer placed an order, priced from the orders catalog snapshot. v2 carries no payment
 * token: a credential does not belong on a stream. Orders hands it to payments directly
 * (`payments/deposit-payment-credential.request.ts`); v1 events (with the token) stay readable.
 */
export const OrderPlacedV2 = defineContract(
  'orders.OrderPlaced',
  2,
  z
    .object({
      orderId: z.uuid(),
      customerId: uuid,
      customerEmail: email,
      items: orderLines(pricedLine),
      totalCents: cents,
    })
    .strict(),
  { personal: ['customerEmail'], description: 'A customer placed an order, priced from the orders catalog snapshot; the card token goes to payments beside the stream.' },
);
export type OrderPlacedV2 = EventOf<typeof OrderPlacedV2>;
