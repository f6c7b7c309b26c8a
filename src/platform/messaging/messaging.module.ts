import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ContractRegistry } from '../../contracts/contract-registry';
import { Redactor } from '../../contracts/redaction';
import { EventContract } from '../../contracts/event-contract';
import { Upcaster } from '../../contracts/upcaster';
import { Clock, SystemClock } from '../clock';
import { HttpLoad } from '../http/http-load';
import { ConsumerSlots } from './consumer-slots';
import { EventLoopLoad } from './event-loop-load';
import { DirectChannel } from './direct/direct-channel';
import { InProcessDirectChannel } from './direct/in-process.direct-channel';
import { NatsDirectChannel } from './direct/nats.direct-channel';
import { EventDispatcher } from './event-dispatcher';
import { EventPublisher } from './event-publisher';
import { InProcessPublisher } from './in-process/in-process.publisher';
import { InProcessServer } from './in-process/in-process.server';
import { JetStreamProvisioner } from './jetstream-provisioner';
import { JetStreamPublisher } from './jetstream-publisher';
import { JetStreamServer } from './jetstream.server';
import { ModuleRegistry } from './module-registry';
import { NatsConnectionProvider } from './nats-connection';
import { EventTaps } from './taps/event-taps';
import { JetStreamTapReader } from './taps/jetstream-tap-reader';

/** The listening side of whichever transport runs: what main.ts connects as a microservice. */
export const TRANSPORT_SERVER = Symbol('TRANSPORT_SERVER');

export interface MessagingOptions {
  transport: 'jetstream' | 'in-process';
  contracts: readonly EventContract[];
  upcasters?: readonly Upcaster[];
  /** Test builds only: fail points, a fake clock. */
  overrides?: Provider[];
}

/** The transport (JetStream, or in-process without a broker), the dispatcher and the registry. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    const transport: Provider[] =
      options.transport === 'jetstream'
        ? [
            NatsConnectionProvider,
            JetStreamProvisioner,
            JetStreamServer,
            JetStreamTapReader,
            { provide: EventPublisher, useClass: JetStreamPublisher },
            { provide: TRANSPORT_SERVER, useExisting: JetStreamServer },
            { provide: DirectChannel, useClass: NatsDirectChannel },
          ]
        : [
            InProcessServer,
            { provide: EventPublisher, useClass: InProcessPublisher },
            { provide: TRANSPORT_SERVER, useExisting: InProcessServer },
            { provide: DirectChannel, useClass: InProcessDirectChannel },
          ];
    const providers: Provider[] = [
      ...transport,
      { provide: ContractRegistry, useValue: new ContractRegistry(options.contracts, options.upcasters) },
      { provide: Redactor, useValue: new Redactor(options.contracts) },
      { provide: Clock, useClass: SystemClock },
      ModuleRegistry,
      EventDispatcher,
      ConsumerSlots,
      EventLoopLoad,
      HttpLoad,
      EventTaps,
      ...(options.overrides ?? []),
    ];
    return {
      module: MessagingModule,
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}
