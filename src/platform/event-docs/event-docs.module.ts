import { DynamicModule, Module, Type } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { EventContract } from '../../contracts/event-contract';
import { MessagingNames } from '../messaging/naming';
import { AsyncApiController } from './asyncapi.controller';
import { buildEventDocs, EVENT_DOCS } from './event-docs';

export interface EventDocsOptions {
  contracts: readonly EventContract[];
  /** Every business module, whether this process runs it or not: the document describes the system. */
  modules: readonly Type[];
}

/** GET /asyncapi.json and /asyncapi, from the contract registry and the listeners' decorators. */
@Module({})
export class EventDocsModule {
  static forRoot(options: EventDocsOptions): DynamicModule {
    return {
      module: EventDocsModule,
      global: true,
      exports: [EVENT_DOCS],
      controllers: [AsyncApiController],
      providers: [
        {
          provide: EVENT_DOCS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => buildEventDocs(options.contracts, options.modules, new MessagingNames(config.nats.namespace)),
        },
      ],
    };
  }
}
