import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PaymentCapturedV1, PaymentDeclinedV1 } from '../../../contracts';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Outbox } from '../../../platform/outbox/outbox';
import { pendingEvent } from '../../../platform/outbox/pending-event';
import { IntentNotRecordedYetError, isOpen } from '../domain/payment';
import { PaymentGateway } from '../domain/payment-gateway.port';
import { PaymentRepository } from '../infrastructure/payment.repository';

export class ChargePayment {
  constructor(readonly orderId: string) {}
}

/**
 * Charges the intent once stock is reserved. The order id is the gateway's idempotency key,
 * so a redelivery after a crash gets the first charge's answer instead of a second charge.
 */
@CommandHandler(ChargePayment)
export class ChargePaymentHandler implements ICommandHandler<ChargePayment> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: Outbox,
    private readonly payments: PaymentRepository,
    private readonly gateway: PaymentGateway,
  ) {}

  execute({ orderId }: ChargePayment): Promise<void> {
    return this.tx.run(async (m) => {
      const payment = await this.payments.lockByOrder(m, orderId);
      if (!payment) throw new IntentNotRecordedYetError(orderId);
      if (!isOpen(payment)) return;
      const result = await this.gateway.charge({ idempotencyKey: orderId, amountCents: payment.amountCents, token: payment.paymentToken });
      const aggregate = { type: 'Payment', id: payment.id, version: 2 };
      if (result.outcome === 'captured') {
        await this.payments.settle(m, payment.id, 'CAPTURED', { chargeId: result.chargeId });
        await this.outbox.append(m, [
          pendingEvent(PaymentCapturedV1, aggregate, { orderId, paymentId: payment.id, amountCents: payment.amountCents }, orderId),
        ]);
      } else {
        await this.payments.settle(m, payment.id, 'DECLINED', { chargeId: result.chargeId, declineReason: result.reason });
        await this.outbox.append(m, [
          pendingEvent(PaymentDeclinedV1, aggregate, { orderId, paymentId: payment.id, reason: result.reason }, orderId),
        ]);
      }
    });
  }
}
