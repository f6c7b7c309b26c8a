import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource, MigrationInterface } from 'typeorm';
import { EntityClassOrSchema } from '@nestjs/typeorm/dist/interfaces/entity-class-or-schema.type';
import { AppConfig, databaseUrlFor } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { ContractRegistry } from '../../contracts/contract-registry';
import { Clock } from '../clock';
import { DeadLetters } from '../inbox/dead-letters';
import { Inbox } from '../inbox/inbox';
import { EventPublisher } from '../messaging/event-publisher';
import { ModuleMessaging, ModuleRegistry } from '../messaging/module-registry';
import { Outbox } from '../outbox/outbox';
import { createOutboxRelay } from '../outbox/create-outbox-relay';
import { RelayFailPoint } from '../outbox/relay-round';
import { OutboxStore } from '../outbox/outbox-store';
import { TransactionRunner } from './transaction-runner';
import { messagingMigrations } from './messaging-migrations';
import { openExistingModuleDataSource, openModuleDataSource } from './module-data-source';
import { postgresConnection } from './postgres-tls';

type MigrationClass = new () => MigrationInterface;

export interface ModuleDatabaseOptions {
  /** The module's name: also its Postgres schema and its consumer name. */
  name: string;
  entities: EntityClassOrSchema[];
  migrations: MigrationClass[];
  /** A module with little database work (activity) holds fewer connections than DATABASE_POOL_SIZE. */
  maxPoolSize?: number;
}

export const MODULE_MESSAGING = Symbol('MODULE_MESSAGING');
/** Marks the data source options of an `existingOnly` configuration (the factory sees the options only). */
const EXISTING_ONLY = Symbol('existingOnly');

/**
 * Starts the module's relay after boot. On shutdown the root module's RelaysShutdown has
 * stopped it already; this stop (idempotent) covers compositions without one.
 */
class ModuleMessagingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(MODULE_MESSAGING) private readonly messaging: ModuleMessaging) {}

  onApplicationBootstrap(): void {
    this.messaging.relay?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messaging.relay?.stop();
  }
}

/**
 * A module's own data source (its schema, its URL, its migrations) with its outbox, inbox,
 * dead letters and relay. Each business module imports its own instance.
 */
@Module({})
export class ModuleDatabaseModule {
  static forModule(options: ModuleDatabaseOptions): DynamicModule {
    const { name } = options;
    const dataSourceToken = getDataSourceToken(name);
    return {
      module: ModuleDatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            const { connectionString, ssl } = postgresConnection(databaseUrlFor(config, name), config.database.caFile);
            return {
              name,
              type: 'postgres' as const,
              url: connectionString,
              ssl,
              schema: name,
              entities: options.entities,
              migrations: [...options.migrations, ...messagingMigrations(name)],
              migrationsTableName: 'migrations',
              // A bounded wait for a connection: a starved pool becomes an error (and a retry), never a hang.
              extra: { max: Math.min(config.database.poolSize, options.maxPoolSize ?? Infinity), connectionTimeoutMillis: 10_000, application_name: `shop:${name}` },
              // The CLI: one attempt, no retry loop printing a stack every 3 seconds.
              ...(config.database.existingOnly ? { toRetry: () => false, [EXISTING_ONLY]: true } : {}),
            };
          },
          dataSourceFactory: async (dsOptions) =>
            (dsOptions as { [EXISTING_ONLY]?: boolean })[EXISTING_ONLY] ? openExistingModuleDataSource(dsOptions!, name) : openModuleDataSource(dsOptions!, name),
        }),
      ],
      providers: [
        {
          provide: MODULE_MESSAGING,
          inject: [
            dataSourceToken,
            APP_CONFIG,
            Clock,
            EventPublisher,
            ModuleRegistry,
            ContractRegistry,
            { token: RelayFailPoint, optional: true },
          ],
          useFactory: (
            dataSource: DataSource,
            config: AppConfig,
            clock: Clock,
            publisher: EventPublisher,
            registry: ModuleRegistry,
            contracts: ContractRegistry,
            failPoint?: RelayFailPoint,
          ): ModuleMessaging => {
            const outbox = new Outbox(name, clock, contracts);
            const outboxStore = new OutboxStore(dataSource, name);
            const relay = config.relay.enabled
              ? createOutboxRelay(
                  dataSource,
                  publisher,
                  { relayId: `${hostname()}:${process.pid}:${name}:${randomBytes(3).toString('hex')}`, module: name, retention: config.retention, ...config.relay },
                  failPoint,
                )
              : undefined;
            if (relay) {
              outbox.onCommitted((rows) => relay.wake(rows));
              if (publisher.settlesQuickly) outbox.handOffClaims((ids) => relay.handOff(ids));
            }
            const messaging: ModuleMessaging = {
              name,
              transactions: new TransactionRunner(dataSource, config.database.preparedStatements),
              outbox,
              outboxStore,
              inbox: new Inbox(name),
              deadLetters: new DeadLetters(dataSource, name),
              relay,
            };
            registry.register(messaging);
            return messaging;
          },
        },
        { provide: TransactionRunner, inject: [MODULE_MESSAGING], useFactory: (m: ModuleMessaging) => m.transactions },
        { provide: Outbox, inject: [MODULE_MESSAGING], useFactory: (m: ModuleMessaging) => m.outbox },
        { provide: DeadLetters, inject: [MODULE_MESSAGING], useFactory: (m: ModuleMessaging) => m.deadLetters },
        ModuleMessagingLifecycle,
      ],
      exports: [TransactionRunner, Outbox, DeadLetters, MODULE_MESSAGING],
    };
  }
}
