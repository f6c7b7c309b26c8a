import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cancellationReason, email } from '../shared-schemas';

export const OrderCancelledV1 = defineContract(
  'orders.OrderCancelled',
  1,
  z.object({ orderId: z.uuid(), customerEmail: email, reason: cancellationReason }).strict(),
  { personal: ['customerEmail'], description: 'An order was cancelled: out of stock, payment declined or timed out.' },
);
export type OrderCancelledV1 = EventOf<typeof OrderCancelledV1>;
