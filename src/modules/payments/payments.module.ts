import { Module } from '@nestjs/common';
import { ModuleDatabaseModule } from '../../platform/database/module-database.module';
import { ChargePaymentHandler } from './commands/charge-payment.handler';
import { RecordPaymentIntentHandler } from './commands/record-payment-intent.handler';
import { VoidPaymentIntentHandler } from './commands/void-payment-intent.handler';
import { PaymentGateway } from './domain/payment-gateway.port';
import { PaymentsHttpController } from './http/payments.http.controller';
import { PaymentRepository } from './infrastructure/payment.repository';
import { PaymentsInit1700000000003 } from './infrastructure/payments-init.migration';
import { SimulatedPaymentGateway } from './infrastructure/simulated-payment-gateway';
import { PaymentsListener } from './listeners/payments.listener';

/** Payment intents and their charges through the gateway port. */
@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'payments', entities: [], migrations: [PaymentsInit1700000000003] })],
  controllers: [PaymentsHttpController, PaymentsListener],
  providers: [
    PaymentRepository,
    SimulatedPaymentGateway,
    { provide: PaymentGateway, useExisting: SimulatedPaymentGateway },
    RecordPaymentIntentHandler,
    ChargePaymentHandler,
    VoidPaymentIntentHandler,
  ],
})
export class PaymentsModule {}
