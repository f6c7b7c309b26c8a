import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cancellationReason } from '../shared-schemas';

export const OrderCancelledV1 = defineContract(
  'orders.OrderCancelled',
  1,
  z.object({ orderId: z.uuid(), customerEmail: z.email(), reason: cancellationReason }).strict(),
);
export type OrderCancelledV1 = EventOf<typeof OrderCancelledV1>;
