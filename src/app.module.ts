import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { AppConfig, BusinessModule } from './config/app-config';
import { ALL_CONTRACTS, ALL_UPCASTERS } from './contracts';
import { ActivityModule } from './modules/activity/activity.module';
import { InventoryModule } from './modules/inventory/inventory.module';
import { NotificationsModule } from './modules/notifications/notifications.module';
import { OrdersModule } from './modules/orders/orders.module';
import { PaymentsModule } from './modules/payments/payments.module';
import { EventDocsModule } from './platform/event-docs/event-docs.module';
import { RelaysShutdown } from './platform/outbox/relays-shutdown';
import { PlatformModule } from './platform/platform.module';

export const BUSINESS_MODULES: Record<BusinessModule, Type> = {
  orders: OrdersModule,
  inventory: InventoryModule,
  payments: PaymentsModule,
  notifications: NotificationsModule,
  activity: ActivityModule,
};

/** Composition only: the platform plus the business modules named in APP_MODULES. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: Provider[] = []): DynamicModule {
    const modules = config.modules.map((name) => BUSINESS_MODULES[name]);
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, { contracts: ALL_CONTRACTS, upcasters: ALL_UPCASTERS, overrides }),
        // Every module's listeners, not only this process's: the event documents describe the system.
        EventDocsModule.forRoot({ contracts: ALL_CONTRACTS, modules: Object.values(BUSINESS_MODULES) }),
        ...modules,
      ],
      providers: [RelaysShutdown],
    };
  }
}
