import { Module } from '@nestjs/common';
import { ModuleDatabaseModule } from '../../platform/database/module-database.module';
import { CancelOverdueOrdersHandler } from './commands/cancel-overdue-orders.handler';
import { HandOverPaymentCredentialsHandler } from './commands/hand-over-payment-credentials.handler';
import { PlaceOrderHandler } from './commands/place-order.handler';
import { SettleOrderHandler } from './commands/settle-order.handler';
import { UpdateCatalogHandler } from './commands/update-catalog.handler';
import { CatalogHttpController } from './http/catalog.http.controller';
import { OrdersHttpController } from './http/orders.http.controller';
import { CatalogRepository } from './infrastructure/catalog.repository';
import { OrderRepository } from './infrastructure/order.repository';
import { OrderDeadlineWorker } from './infrastructure/order-deadline.worker';
import { OrdersDeadline1700000000012 } from './infrastructure/orders-deadline.migration';
import { OrdersInit1700000000002 } from './infrastructure/orders-init.migration';
import { OrdersPaymentHandoff1700000000015 } from './infrastructure/orders-payment-handoff.migration';
import { PaymentHandoffRepository } from './infrastructure/payment-handoff.repository';
import { PaymentHandoffWorker } from './infrastructure/payment-handoff.worker';
import { OrdersListener } from './listeners/orders.listener';

/** Orders and the catalog snapshot they are priced from. */
@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'orders', entities: [], migrations: [OrdersInit1700000000002, OrdersDeadline1700000000012, OrdersPaymentHandoff1700000000015] })],
  controllers: [OrdersHttpController, CatalogHttpController, OrdersListener],
  providers: [
    OrderRepository,
    CatalogRepository,
    PlaceOrderHandler,
    SettleOrderHandler,
    UpdateCatalogHandler,
    CancelOverdueOrdersHandler,
    OrderDeadlineWorker,
    PaymentHandoffRepository,
    HandOverPaymentCredentialsHandler,
    PaymentHandoffWorker,
  ],
})
export class OrdersModule {}
