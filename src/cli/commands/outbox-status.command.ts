import { CommandRunner, Command, SubCommand } from 'nest-commander';
import { ModuleRegistry } from '../../platform/messaging/module-registry';
import { BACKLOG_CAP } from '../../platform/outbox/outbox-backlog';
import { CliOutput } from '../cli-output';
import { OperatorAccess } from '../operator-access';
import { JsonOption, OperatorCommand } from '../operator-command';
import { age } from '../table';

@SubCommand({ name: 'status', description: "per module: unpublished rows, the oldest one's age, rows the relay parked, deliveries its consumers parked" })
export class OutboxStatusCommand extends OperatorCommand {
  constructor(
    access: OperatorAccess,
    out: CliOutput,
    private readonly modules: ModuleRegistry,
  ) {
    super(access, out);
  }

  protected async execute(_: string[], { json }: JsonOption): Promise<void> {
    const now = Date.now();
    const rows = await Promise.all(
      this.modules
        .all()
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(async ({ name, outboxStore, deadLetters }) => {
        // Bounded, on the partial indexes: as cheap as the relay's own backlog sampler.
        const [unpublished, oldestAt, open] = await Promise.all([
          outboxStore.countUnpublished(BACKLOG_CAP),
          outboxStore.oldestUnpublishedAt(),
          deadLetters.openCounts(),
        ]);
        const oldestAgeSeconds = oldestAt ? Math.max(0, (now - oldestAt.getTime()) / 1000) : null;
        return { module: name, unpublished, atLeast: unpublished >= BACKLOG_CAP, oldestUnpublishedAt: oldestAt, oldestAgeSeconds, parked: open.outbox, deadLetters: open.inbox };
      }),
    );
    if (json) return this.out.json(rows);
    this.out.table(
      ['MODULE', 'UNPUBLISHED', 'OLDEST AGE', 'PARKED', 'DEAD LETTERS'],
      rows.map((r) => [r.module, r.atLeast ? `${r.unpublished}+` : r.unpublished, r.oldestAgeSeconds === null ? '-' : age(r.oldestAgeSeconds), r.parked, r.deadLetters]),
    );
  }
}

@Command({ name: 'outbox', description: 'the outboxes of the modules this process runs', subCommands: [OutboxStatusCommand] })
export class OutboxCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}
