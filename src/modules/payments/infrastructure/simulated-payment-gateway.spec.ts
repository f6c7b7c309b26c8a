import { SimulatedPaymentGateway } from './simulated-payment-gateway';

describe('SimulatedPaymentGateway', () => {
  it('captures tok_visa and declines the Stripe decline tokens with their reason', async () => {
    const gateway = new SimulatedPaymentGateway();
    expect(await gateway.charge({ idempotencyKey: 'a', amountCents: 100, token: 'tok_visa' })).toMatchObject({ outcome: 'captured' });
    expect(await gateway.charge({ idempotencyKey: 'b', amountCents: 100, token: 'tok_chargeDeclined' })).toMatchObject({
      outcome: 'declined',
      reason: 'card_declined',
    });
    expect(await gateway.charge({ idempotencyKey: 'c', amountCents: 100, token: 'tok_insufficientFunds' })).toMatchObject({
      reason: 'insufficient_funds',
    });
  });

  it('given the same idempotency key twice, executes one charge and answers the same', async () => {
    const gateway = new SimulatedPaymentGateway();
    const first = await gateway.charge({ idempotencyKey: 'order-1', amountCents: 100, token: 'tok_visa' });
    const second = await gateway.charge({ idempotencyKey: 'order-1', amountCents: 100, token: 'tok_visa' });
    expect(second).toEqual(first);
    expect(gateway.executedCharges).toBe(1);
  });
});
