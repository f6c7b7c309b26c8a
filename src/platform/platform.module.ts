import { DynamicModule, Module, Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/config.module';
import { EventContract } from '../contracts/event-contract';
import { HealthController } from './health/health.controller';
import { HttpThrottlerGuard } from './http/rate-limit/http-throttler.guard';
import { RateLimitModule } from './http/rate-limit/rate-limit.module';
import { httpLogOptions } from './http/http-log-options';
import { DeadLettersController } from './inbox/dead-letters.controller';
import { MessagingModule } from './messaging/messaging.module';
import { MessagingMetrics } from './observability/messaging-metrics.provider';

export interface PlatformOptions {
  contracts: readonly EventContract[];
  overrides?: Provider[];
}

/** Everything without business words: config, logging, CQRS, messaging, health, metrics, rate limits. */
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
            transport: config.env === 'development' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
            ...httpLogOptions,
          },
        }),
        CqrsModule.forRoot(),
        TerminusModule,
        RateLimitModule.forRoot(config),
        // The process metrics once per process (tests host several applications in one).
        PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: !register.getSingleMetric('process_cpu_user_seconds_total') } }),
        MessagingModule.forRoot({ ...options, transport: config.nats.url ? 'jetstream' : 'in-process' }),
      ],
      controllers: [HealthController, DeadLettersController],
      providers: [MessagingMetrics, { provide: APP_GUARD, useClass: HttpThrottlerGuard }],
    };
  }
}
