import { decideCharge } from './simulated-charge-rules';

describe('decideCharge (the gateway simulator follows Stripe test tokens)', () => {
  it('captures tok_visa and any other token', () => {
    expect(decideCharge('tok_visa')).toEqual({ outcome: 'captured' });
    expect(decideCharge('tok_mastercard')).toEqual({ outcome: 'captured' });
  });

  it('declines tok_chargeDeclined and tok_insufficientFunds with their reasons', () => {
    expect(decideCharge('tok_chargeDeclined')).toEqual({ outcome: 'declined', reason: 'card_declined' });
    expect(decideCharge('tok_insufficientFunds')).toEqual({ outcome: 'declined', reason: 'insufficient_funds' });
  });
});
