import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';

export const PaymentDeclinedV1 = defineContract(
  'payments.PaymentDeclined',
  1,
  z.object({ orderId: z.uuid(), paymentId: z.uuid(), reason: z.string().min(1).max(100) }).strict(),
  { description: 'The gateway refused the order\'s payment.' },
);
export type PaymentDeclinedV1 = EventOf<typeof PaymentDeclinedV1>;
