import { CommandRunner, Option } from 'nest-commander';
import { CliOutput } from './cli-output';
import { OperatorAccess } from './operator-access';

export interface JsonOption {
  json?: boolean;
}

/**
 * A command of the operator CLI: refused without the operator credential, and never throws:
 * a failure is one line on stderr and exit 1 (2 for a usage mistake).
 */
export abstract class OperatorCommand<O extends JsonOption = JsonOption> extends CommandRunner {
  protected constructor(
    protected readonly access: OperatorAccess,
    protected readonly out: CliOutput,
  ) {
    super();
  }

  async run(params: string[], options: O = {} as O): Promise<void> {
    try {
      this.access.scope();
      await this.execute(params, options);
    } catch (error) {
      this.out.fail(error);
    }
  }

  protected abstract execute(params: string[], options: O): Promise<void>;

  @Option({ flags: '--json', description: 'print JSON instead of a table (for scripts)' })
  parseJson(): boolean {
    return true;
  }
}
