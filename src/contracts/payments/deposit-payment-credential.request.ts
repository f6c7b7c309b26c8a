import { z } from 'zod';
import { paymentToken, uuid } from '../shared-schemas';

/**
 * Orders → payments, point to point: the card token of one order. Not an event: it goes over
 * a channel no broker stores (core NATS request/reply, or a call in process), never a stream,
 * an outbox row that is relayed, or a dead letter. Payments answers once it has stored it.
 */
export const DEPOSIT_PAYMENT_CREDENTIAL = 'payments.deposit-payment-credential';

export const depositPaymentCredential = z.object({ orderId: uuid, paymentToken }).strict();
export type DepositPaymentCredential = z.infer<typeof depositPaymentCredential>;
