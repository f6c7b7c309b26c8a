/** Stripe's test tokens: these decline with their reason, every other token is captured. */
const DECLINES: Record<string, string> = {
  tok_chargeDeclined: 'card_declined',
  tok_insufficientFunds: 'insufficient_funds',
};

export function decideCharge(token: string): { outcome: 'captured' | 'declined'; reason?: string } {
  const reason = DECLINES[token];
  return reason ? { outcome: 'declined', reason } : { outcome: 'captured' };
}
