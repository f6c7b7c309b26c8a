import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AppConfig } from '../../../src/config/app-config';
import { RelaysShutdown } from '../../../src/platform/outbox/relays-shutdown';
import { PlatformModule } from '../../../src/platform/platform.module';
import { PROBE_CONTRACTS } from './probe.contracts';
import { ProbeModule } from './probe.module';

/** The platform with only the probe module: what the foundation suite boots. */
@Module({})
export class ProbeAppModule {
  static forRoot(config: AppConfig, overrides: Provider[] = []): DynamicModule {
    return {
      module: ProbeAppModule,
      imports: [PlatformModule.forRoot(config, { contracts: PROBE_CONTRACTS, overrides }), ProbeModule],
      providers: [RelaysShutdown],
    };
  }
}
