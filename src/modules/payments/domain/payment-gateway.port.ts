export interface ChargeRequest {
  /** The gateway runs a key's charge once; a retry with the same key gets the first answer. */
  idempotencyKey: string;
  amountCents: number;
  token: string;
}

export type ChargeResult = { outcome: 'captured'; chargeId: string } | { outcome: 'declined'; chargeId: string; reason: string };

export interface RefundRequest {
  idempotencyKey: string;
  chargeId: string;
  amountCents: number;
}

/** The payment gateway, a port: outside the product, so tests run the simulator adapter. */
export abstract class PaymentGateway {
  abstract charge(request: ChargeRequest): Promise<ChargeResult>;
  abstract refund(request: RefundRequest): Promise<{ refundId: string }>;
}
