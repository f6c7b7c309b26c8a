import { DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../../../config/app-config';
import { isProbe } from './http-throttler.guard';
import { RateLimitStore } from './rate-limit-store';

@Module({ providers: [RateLimitStore], exports: [RateLimitStore] })
class RateLimitStoreModule {}

/** The two per-client budgets (API; probes and scrapes), counted in the RateLimitStore. */
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          imports: [RateLimitStoreModule],
          inject: [RateLimitStore],
          useFactory: (storage: RateLimitStore) => ({
            storage,
            throttlers: [
              // "default" keeps the standard header names (X-RateLimit-Limit, Retry-After).
              { name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute, skipIf: isProbe },
              { name: 'probes', ttl: 60_000, limit: config.probeRateLimitPerMinute, skipIf: (c) => !isProbe(c) },
            ],
          }),
        }),
      ],
    };
  }
}
