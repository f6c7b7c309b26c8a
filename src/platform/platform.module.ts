import { DynamicModule, Module, Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { APP_GUARD } from '@nestjs/core';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/config.module';
import { EventContract } from '../contracts/event-contract';
import { Upcaster } from '../contracts/upcaster';
import { AdminServer } from './admin/admin-server';
import { HealthController } from './health/health.controller';
import { HttpThrottlerGuard } from './http/rate-limit/http-throttler.guard';
import { RateLimitModule } from './http/rate-limit/rate-limit.module';
import { httpLogOptions } from './http/http-log-options';
import { DeadLettersController } from './inbox/dead-letters.controller';
import { MessagingModule } from './messaging/messaging.module';
import { scrubLogText } from './observability/log-scrubber';
import { MetricsController } from './observability/metrics.controller';
import { OperationsSampler } from './observability/operations-sampler';

export interface PlatformOptions {
  contracts: readonly EventContract[];
  upcasters?: readonly Upcaster[];
  overrides?: Provider[];
}

/** Everything without business words: config, logging, CQRS, messaging, health, metrics, rate limits, the admin surface. */
@Module({})
export class PlatformModule {
  static forRoot(config: AppConfig, options: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            autoLogging: false,
            // Free text is scrubbed of URL passwords and e-mail addresses before it is written.
            hooks: {
              logMethod(args, method) {
                method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubLogText(arg) : arg)) as Parameters<typeof method>);
              },
            },
            transport: config.env === 'development' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
            ...httpLogOptions,
          },
        }),
        CqrsModule.forRoot(),
        RateLimitModule.forRoot(config),
        // The process metrics once per process (tests host several applications in one).
        PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: !register.getSingleMetric('process_cpu_user_seconds_total') } }),
        MessagingModule.forRoot({ ...options, transport: config.nats.url ? 'jetstream' : 'in-process' }),
      ],
      controllers: [HealthController, DeadLettersController],
      providers: [AdminServer, OperationsSampler, { provide: APP_GUARD, useClass: HttpThrottlerGuard }],
    };
  }
}
