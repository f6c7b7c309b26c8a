import { Module } from '@nestjs/common';
import { ModuleDatabaseModule } from '../../platform/database/module-database.module';
import { CallDueGatewayHandler } from './commands/call-due-gateway.handler';
import { CancelPaymentHandler } from './commands/cancel-payment.handler';
import { RecordPaymentIntentHandler } from './commands/record-payment-intent.handler';
import { RequestChargeHandler } from './commands/request-charge.handler';
import { PaymentGateway } from './domain/payment-gateway.port';
import { PaymentsHttpController } from './http/payments.http.controller';
import { GatewayCallsWorker } from './infrastructure/gateway-calls.worker';
import { PaymentRepository } from './infrastructure/payment.repository';
import { PaymentsGatewayCalls1700000000013 } from './infrastructure/payments-gateway-calls.migration';
import { PaymentsInit1700000000003 } from './infrastructure/payments-init.migration';
import { SimulatedPaymentGateway } from './infrastructure/simulated-payment-gateway';
import { PaymentsListener } from './listeners/payments.listener';

/** Payments of orders: intents, charges and refunds through the gateway port. */
@Module({
  imports: [
    ModuleDatabaseModule.forModule({ name: 'payments', entities: [], migrations: [PaymentsInit1700000000003, PaymentsGatewayCalls1700000000013] }),
  ],
  controllers: [PaymentsHttpController, PaymentsListener],
  providers: [
    PaymentRepository,
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
