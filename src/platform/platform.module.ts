import { DynamicModule, Module, Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/config.module';
import { EventContract } from '../contracts/event-contract';
import { HealthController } from './health/health.controller';
import { DeadLettersController } from './inbox/dead-letters.controller';
import { MessagingModule } from './messaging/messaging.module';

export interface PlatformOptions {
  contracts: readonly EventContract[];
  overrides?: Provider[];
}

/** Everything without business words: config, logging, CQRS, messaging, health. */
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
          },
        }),
        CqrsModule.forRoot(),
        TerminusModule,
        MessagingModule.forRoot({ ...options, transport: config.nats.url ? 'jetstream' : 'in-process' }),
      ],
      controllers: [HealthController, DeadLettersController],
    };
  }
}
