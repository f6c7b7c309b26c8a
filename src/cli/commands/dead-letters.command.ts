import { Command, CommandRunner } from 'nest-commander';
import { DeadLettersDiscardCommand, DeadLettersRetryCommand, DeadLettersShowCommand } from './dead-letters-actions.command';
import { DeadLettersListCommand } from './dead-letters-list.command';

@Command({
  name: 'dead-letters',
  description: 'parked events of the modules this process runs: list, show, retry, discard',
  subCommands: [DeadLettersListCommand, DeadLettersShowCommand, DeadLettersRetryCommand, DeadLettersDiscardCommand],
})
export class DeadLettersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}
