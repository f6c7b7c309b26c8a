import { Module } from '@nestjs/common';
import { ModuleDatabaseModule } from '../../platform/database/module-database.module';
import { RegisterProductHandler } from './commands/register-product.handler';
import { ReserveStockHandler } from './commands/reserve-stock.handler';
import { RestockProductHandler } from './commands/restock-product.handler';
import { SettleReservationHandler } from './commands/settle-reservation.handler';
import { UpdateProductHandler } from './commands/update-product.handler';
import { ProductsHttpController } from './http/products.http.controller';
import { InventoryClosedOrders1700000000011 } from './infrastructure/inventory-closed-orders.migration';
import { InventoryInit1700000000001 } from './infrastructure/inventory-init.migration';
import { ProductRepository } from './infrastructure/product.repository';
import { InventoryListener } from './listeners/inventory.listener';

/** Products and their stock: available, reserved, sold. */
@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'inventory', entities: [], migrations: [InventoryInit1700000000001, InventoryClosedOrders1700000000011] })],
  controllers: [ProductsHttpController, InventoryListener],
  providers: [
    ProductRepository,
    RegisterProductHandler,
    UpdateProductHandler,
    RestockProductHandler,
    ReserveStockHandler,
    SettleReservationHandler,
  ],
})
export class InventoryModule {}
