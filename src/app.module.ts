import { DynamicModule, Module, Type } from '@nestjs/common';
import { AppConfig, BusinessModule } from './config/app-config';
import { ALL_CONTRACTS } from './contracts';
import { PlatformModule } from './platform/platform.module';

const BUSINESS_MODULES: Record<BusinessModule, Type | undefined> = {
  orders: undefined,
  inventory: undefined,
  payments: undefined,
  notifications: undefined,
};

/** Composition only: the platform plus the business modules named in APP_MODULES. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const modules = config.modules.map((name) => BUSINESS_MODULES[name]).filter((m): m is Type => !!m);
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, { contracts: ALL_CONTRACTS }), ...modules],
    };
  }
}
