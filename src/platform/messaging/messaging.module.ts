import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ContractRegistry } from '../../contracts/contract-registry';
import { EventContract } from '../../contracts/event-contract';
import { Clock, SystemClock } from '../clock';
import { EventDispatcher } from './event-dispatcher';
import { EventPublisher } from './event-publisher';
import { JetStreamProvisioner } from './jetstream-provisioner';
import { JetStreamPublisher } from './jetstream-publisher';
import { JetStreamServer } from './jetstream.server';
import { ModuleRegistry } from './module-registry';
import { NatsConnectionProvider } from './nats-connection';

export interface MessagingOptions {
  contracts: readonly EventContract[];
  /** Test builds only: fail points, a fake clock. */
  overrides?: Provider[];
}

/** The transport: one NATS connection, the publisher the relays use, and the consuming server. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    const providers: Provider[] = [
      NatsConnectionProvider,
      JetStreamProvisioner,
      { provide: EventPublisher, useClass: JetStreamPublisher },
      { provide: ContractRegistry, useValue: new ContractRegistry(options.contracts) },
      { provide: Clock, useClass: SystemClock },
      ModuleRegistry,
      EventDispatcher,
      JetStreamServer,
      ...(options.overrides ?? []),
    ];
    return {
      module: MessagingModule,
      providers,
      exports: [
        NatsConnectionProvider,
        JetStreamProvisioner,
        EventPublisher,
        ContractRegistry,
        Clock,
        ModuleRegistry,
        EventDispatcher,
        JetStreamServer,
        ...(options.overrides ?? []).map((p) => ('provide' in p ? p.provide : p)),
      ],
    };
  }
}
