import { z } from 'zod';
import { defineContract, EventOf } from '../event-contract';
import { cents } from '../shared-schemas';

export const PaymentCapturedV1 = defineContract(
  'payments.PaymentCaptured',
  1,
  z.object({ orderId: z.uuid(), paymentId: z.uuid(), amountCents: cents }).strict(),
  { description: 'The gateway took the order\'s money.' },
);
export type PaymentCapturedV1 = EventOf<typeof PaymentCapturedV1>;
