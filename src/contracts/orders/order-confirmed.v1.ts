import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cents, email } from '../shared-schemas';

export const OrderConfirmedV1 = defineContract(
  'orders.OrderConfirmed',
  1,
  z.object({ orderId: z.uuid(), customerEmail: email, totalCents: cents }).strict(),
  { personal: ['customerEmail'], description: 'An order was paid for and is final.' },
);
export type OrderConfirmedV1 = EventOf<typeof OrderConfirmedV1>;
