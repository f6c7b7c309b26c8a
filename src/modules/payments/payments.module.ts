import { Module } from '@nestjs/common';
import { ModuleDatabaseModule } from '../../platform/database/module-database.module';
import { CallDueGatewayHandler } from './commands/call-due-gateway.handler';
import { CancelPaymentHandler } from './commands/cancel-payment.handler';
import { DepositPaymentCredentialHandler, DepositPaymentCredentialsHandler } from './commands/deposit-payment-credential.handler';
import { RecordPaymentIntentHandler } from './commands/record-payment-intent.handler';
import { RequestChargeHandler } from './commands/request-charge.handler';
import { PaymentGateway } from './domain/payment-gateway.port';
import { PaymentsHttpController } from './http/payments.http.controller';
import { GatewayCallsWorker } from './infrastructure/gateway-calls.worker';
import { PaymentCredentialEndpoint } from './infrastructure/payment-credential.endpoint';
import { PaymentCredentialRepository } from './infrastructure/payment-credential.repository';
import { PaymentRepository } from './infrastructure/payment.repository';
import { PaymentsCredentials1700000000016 } from './infrastructure/payments-credentials.migration';
import { PaymentsGatewayCalls1700000000013 } from './infrastructure/payments-gateway-calls.migration';
import { PaymentsInit1700000000003 } from './infrastructure/payments-init.migration';
import { PaymentsTraceContext1700000000021 } from './infrastructure/payments-trace-context.migration';
import { SimulatedPaymentGateway } from './infrastructure/simulated-payment-gateway';
import { PaymentsListener } from './listeners/payments.listener';

/** Payments of orders: intents, charges and refunds through the gateway port. */
@Module({
  imports: [
    ModuleDatabaseModule.forModule({
      name: 'payments',
      entities: [],
      migrations: [
        PaymentsInit1700000000003,
        PaymentsGatewayCalls1700000000013,
        PaymentsCredentials1700000000016,
        PaymentsTraceContext1700000000021,
      ],
    }),
  ],
  controllers: [PaymentsHttpController, PaymentsListener],
  providers: [
    PaymentRepository,
    PaymentCredentialRepository,
    PaymentCredentialEndpoint,
    DepositPaymentCredentialHandler,
    DepositPaymentCredentialsHandler,
    SimulatedPaymentGateway,
    { provide: PaymentGateway, useExisting: SimulatedPaymentGateway },
    RecordPaymentIntentHandler,
    RequestChargeHandler,
    CancelPaymentHandler,
    CallDueGatewayHandler,
    GatewayCallsWorker,
  ],
})
export class PaymentsModule {}
