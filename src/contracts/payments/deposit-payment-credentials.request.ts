import { z } from 'zod';
import { depositPaymentCredential } from './deposit-payment-credential.request';

/**
 * Orders → payments, point to point: the card tokens of several orders in one request, on the
 * same kind of channel as `payments.deposit-payment-credential`. One answer for all of them: each
 * token handed over alone cost the hand-over worker a request and payments a transaction per order.
 */
export const DEPOSIT_PAYMENT_CREDENTIALS = 'payments.deposit-payment-credentials';

export const MAX_CREDENTIALS_PER_DEPOSIT = 100;

export const depositPaymentCredentials = z
  .object({ credentials: z.array(depositPaymentCredential).min(1).max(MAX_CREDENTIALS_PER_DEPOSIT) })
  .strict();
export type DepositPaymentCredentials = z.infer<typeof depositPaymentCredentials>;
