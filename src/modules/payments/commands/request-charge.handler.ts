import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { CardTokenNotReceivedYetError, IntentNotRecordedYetError } from '../domain/payment';
import { PaymentRepository } from '../infrastructure/payment.repository';
import { GatewayCallsWorker } from '../infrastructure/gateway-calls.worker';
import { CallDueGateway, CLAIM_MS } from './call-due-gateway.handler';

export class RequestCharge {
  constructor(readonly orderId: string) {}
}

/**
 * Stock is reserved: record that the charge is due (CHARGING). The gateway is called by the
 * worker after this commits, outside any transaction, with the order id as idempotency key.
 */
@CommandHandler(RequestCharge)
export class RequestChargeHandler implements ICommandHandler<RequestCharge> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly worker: GatewayCallsWorker,
  ) {}

  execute({ orderId }: RequestCharge): Promise<void> {
    return this.tx.run(async (m) => {
      const { payment, token } = await this.payments.lockByOrderWithToken(m, orderId);
      if (!payment) throw new IntentNotRecordedYetError(orderId);
      if (payment.snapshot.status === 'PENDING' && !token) throw new CardTokenNotReceivedYetError(orderId);
      if (!payment.requestCharge()) return;
      // This process calls the gateway at once, the payment claimed for it; the worker's rounds are for the rest.
      await this.payments.save(m, payment, CLAIM_MS);
      this.tx.afterCommit(() => this.worker.runNow(new CallDueGateway(1, { payment, token })));
    });
  }
}
