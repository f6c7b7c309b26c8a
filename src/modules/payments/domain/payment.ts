export type PaymentStatus = 'PENDING' | 'CAPTURED' | 'DECLINED' | 'VOIDED';

export interface Payment {
  id: string;
  orderId: string;
  amountCents: number;
  paymentToken: string;
  status: PaymentStatus;
  declineReason: string | null;
  createdAt: Date;
}

/** Only a pending intent can be charged or voided; anything else has been decided already. */
export const isOpen = (payment: Payment): boolean => payment.status === 'PENDING';

/** The intent is recorded from OrderPlaced, which may arrive after StockReserved: try later. */
export class IntentNotRecordedYetError extends Error {
  constructor(orderId: string) {
    super(`no payment intent for order ${orderId} yet`);
  }
}
