import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { BUSINESS_MODULES } from '../app.module';
import { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/config.module';
import { ALL_CONTRACTS, ALL_UPCASTERS } from '../contracts';
import { DirectChannel } from '../platform/messaging/direct/direct-channel';
import { MessagingModule } from '../platform/messaging/messaging.module';
import { BACKGROUND_WORK } from '../platform/worker/background-work';
import { CliOutput } from './cli-output';
import { ConsumersCommand, ConsumersStatusCommand } from './commands/consumers-status.command';
import { DeadLetterLookup } from './commands/dead-letter-lookup';
import { DeadLettersDiscardCommand, DeadLettersRetryCommand, DeadLettersShowCommand } from './commands/dead-letters-actions.command';
import { DeadLettersCommand } from './commands/dead-letters.command';
import { DeadLettersListCommand } from './commands/dead-letters-list.command';
import { OutboxCommand, OutboxStatusCommand } from './commands/outbox-status.command';
import { ReplayCommand } from './commands/replay.command';
import { TimelineCommand } from './commands/timeline.command';
import { ListenerRegistration } from './listener-registration';
import { NoDirectChannel } from './no.direct-channel';
import { OperatorAccess } from './operator-access';
import { ConsumerReplay } from './replay/consumer-replay';
import { UsageErrors } from './usage-errors';

const COMMANDS: Provider[] = [
  OutboxCommand,
  OutboxStatusCommand,
  DeadLettersCommand,
  DeadLettersListCommand,
  DeadLettersShowCommand,
  DeadLettersRetryCommand,
  DeadLettersDiscardCommand,
  ConsumersCommand,
  ConsumersStatusCommand,
  ReplayCommand,
  TimelineCommand,
];

/**
 * The operator CLI's application context: the modules named in APP_MODULES with their data
 * sources, handlers and dead letters, and the messaging platform, but no HTTP server, no
 * consumer pulling, no relay and no background loop. What runs is what a command asks for.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, out: CliOutput, modules = true): DynamicModule {
    const quiet = operatorConfig(config, modules);
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(quiet),
        CqrsModule.forRoot(),
        DiscoveryModule,
        MessagingModule.forRoot({
          transport: config.nats.url ? 'jetstream' : 'in-process',
          contracts: ALL_CONTRACTS,
          upcasters: ALL_UPCASTERS,
          overrides: [
            { provide: DirectChannel, useClass: NoDirectChannel },
            { provide: BACKGROUND_WORK, useValue: false },
          ],
        }),
        ...quiet.modules.map((name) => BUSINESS_MODULES[name]),
      ],
      providers: [{ provide: CliOutput, useValue: out }, OperatorAccess, ListenerRegistration, UsageErrors, DeadLetterLookup, ConsumerReplay, ...COMMANDS],
    };
  }
}

/** The commands that read the modules' databases; the others (consumers, timeline, help) ask only NATS or HTTP. */
const DATABASE_COMMANDS = new Set(['outbox', 'dead-letters', 'replay']);

/** Whether the command line names a command that needs the modules (and so their databases). */
export function needsModules(args: readonly string[]): boolean {
  const command = args.find((arg) => !arg.startsWith('-'));
  return command !== undefined && DATABASE_COMMANDS.has(command);
}

/**
 * The shop's configuration as the CLI uses it: no relay, and databases opened as they are (nothing
 * created or migrated). Without `modules`, none is opened: `consumers status` still answers while
 * Postgres is away, which is when an operator asks it.
 */
export function operatorConfig(config: AppConfig, modules = true): AppConfig {
  return {
    ...config,
    // activity is an observer with nothing to operate: opening it would start its stream taps.
    modules: modules ? config.modules.filter((name) => name !== 'activity') : [],
    relay: { ...config.relay, enabled: false },
    database: { ...config.database, existingOnly: true },
  };
}
