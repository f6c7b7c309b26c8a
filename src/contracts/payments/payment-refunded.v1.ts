import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cents } from '../shared-schemas';

/** Money taken for an order that was cancelled (a capture that came after the saga's deadline) went back. */
export const PaymentRefundedV1 = defineContract(
  'payments.PaymentRefunded',
  1,
  z.object({ orderId: z.uuid(), paymentId: z.uuid(), amountCents: cents }).strict(),
  { description: 'Money taken for an order cancelled meanwhile went back.' },
);
export type PaymentRefundedV1 = EventOf<typeof PaymentRefundedV1>;
