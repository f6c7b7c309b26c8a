import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectCommander } from 'nest-commander';
import { CliOutput, EXIT } from './cli-output';

/** The part of commander's Command this needs (nest-commander bundles its own commander). */
interface CommanderCommand {
  commands: readonly CommanderCommand[];
  exitOverride(callback: (error: { exitCode: number }) => never): unknown;
  configureOutput(output: { writeOut: (s: string) => void; writeErr: (s: string) => void }): unknown;
}

/** Commander's own verdicts (an unknown option, a missing argument, help) as the CLI's exit codes: help 0, a mistake 2. */
export const isCommanderError = (error: unknown) => String((error as { code?: unknown })?.code ?? '').startsWith('commander.');

/**
 * Commander exits the process itself on a usage mistake, with code 1, and only the root honours
 * an override. Every command of the tree instead records exit 2 (0 for help), writes through the
 * CLI's output, and throws back to the runner, which ends normally.
 */
@Injectable()
export class UsageErrors implements OnApplicationBootstrap {
  constructor(
    @InjectCommander() private readonly root: CommanderCommand,
    private readonly out: CliOutput,
  ) {}

  onApplicationBootstrap(): void {
    const visit = (command: CommanderCommand) => {
      command.exitOverride((error) => {
        this.out.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
        throw error;
      });
      command.configureOutput({ writeOut: (s) => this.out.stdout(s), writeErr: (s) => this.out.stderr(s) });
      command.commands.forEach(visit);
    };
    visit(this.root);
  }
}
