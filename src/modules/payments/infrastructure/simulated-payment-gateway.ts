import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ChargeRequest, ChargeResult, PaymentGateway } from '../domain/payment-gateway.port';

/** Stripe's test tokens: these decline with their reason, every other token is captured. */
const DECLINES: Record<string, string> = {
  tok_chargeDeclined: 'card_declined',
  tok_insufficientFunds: 'insufficient_funds',
};

/**
 * Deterministic stand-in for a real gateway (a fake of what is outside the product). Honours
 * idempotency keys like a real gateway and counts the charges it executes, so a test can
 * prove that no order is charged twice.
 */
@Injectable()
export class SimulatedPaymentGateway extends PaymentGateway {
  private readonly byKey = new Map<string, ChargeResult>();
  executedCharges = 0;
  readonly executedKeys: string[] = [];

  async charge({ idempotencyKey, token }: ChargeRequest): Promise<ChargeResult> {
    const earlier = this.byKey.get(idempotencyKey);
    if (earlier) return earlier;
    this.executedCharges++;
    this.executedKeys.push(idempotencyKey);
    const chargeId = `ch_${randomUUID().replace(/-/g, '')}`;
    const reason = DECLINES[token];
    const result: ChargeResult = reason ? { outcome: 'declined', chargeId, reason } : { outcome: 'captured', chargeId };
    this.byKey.set(idempotencyKey, result);
    return result;
  }
}
