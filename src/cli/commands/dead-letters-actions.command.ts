import { Option, SubCommand } from 'nest-commander';
import { Redactor } from '../../contracts/redaction';
import { retryDeadLetter } from '../../platform/inbox/dead-letter-retry';
import { viewDeadLetter } from '../../platform/inbox/dead-letter-view';
import { EventDispatcher } from '../../platform/messaging/event-dispatcher';
import { CliOutput } from '../cli-output';
import { OperatorAccess } from '../operator-access';
import { JsonOption, OperatorCommand } from '../operator-command';
import { DeadLetterLookup } from './dead-letter-lookup';
import { revealPersonal } from './dead-letters-list.command';

interface ActionOptions extends JsonOption {
  module?: string;
  reveal?: string;
}

/** The `--module` option every action on one dead letter takes (ids are unique across modules anyway). */
abstract class DeadLetterAction extends OperatorCommand<ActionOptions> {
  @Option({ flags: '--module <module>', description: 'the module holding it (default: look in every module)' })
  parseModule(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'show', arguments: '<id>', description: 'one dead letter in full: envelope, error, attempts (redacted like list)' })
export class DeadLettersShowCommand extends DeadLetterAction {
  constructor(
    access: OperatorAccess,
    out: CliOutput,
    private readonly lookup: DeadLetterLookup,
    private readonly redactor: Redactor,
  ) {
    super(access, out);
  }

  protected async execute([id]: string[], options: ActionOptions): Promise<void> {
    const reveal = revealPersonal(options.reveal, this.access);
    const { module, letter } = await this.lookup.find(id, options.module);
    const view = { module: module.name, ...viewDeadLetter(letter, this.redactor, reveal) };
    if (reveal) this.out.note('personal data of 1 dead letter shown to the full admin scope');
    if (options.json) return this.out.json(view);
    const { envelope, raw, ...fields } = view;
    for (const [key, value] of Object.entries(fields)) this.out.print(`${key.padEnd(10)} ${value instanceof Date ? value.toISOString() : String(value ?? '-')}`);
    this.out.print(envelope === null ? `raw        ${raw}` : `envelope   ${JSON.stringify(envelope, null, 2).replace(/\n/g, '\n           ')}`);
  }

  @Option({ flags: '--reveal <what>', description: 'personal: show personal data (needs ADMIN_FULL_TOKEN)' })
  parseReveal(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'retry', arguments: '<id>', description: 'run a parked delivery once more through its consumer (parked again if it fails); a parked outbox row goes back to the outbox' })
export class DeadLettersRetryCommand extends DeadLetterAction {
  constructor(
    access: OperatorAccess,
    out: CliOutput,
    private readonly lookup: DeadLetterLookup,
    private readonly dispatcher: EventDispatcher,
  ) {
    super(access, out);
  }

  protected async execute([id]: string[], options: ActionOptions): Promise<void> {
    const { module, letter } = await this.lookup.find(id, options.module);
    if (letter.retriedAt) throw new Error(`dead letter ${id} of ${module.name} was retried already at ${letter.retriedAt.toISOString()}`);
    const outcome = await retryDeadLetter(module.deadLetters, this.dispatcher, letter.id);
    if (!outcome) throw new Error(`dead letter ${id} of ${module.name} was retried or discarded meanwhile (or another retry of it is running)`);
    if (options.json) this.out.json({ id, module: module.name, retried: true, outcome });
    else this.out.print(`${module.name} ${id}: ${outcome}`);
    if (outcome === 'retry') {
      this.out.fail(new Error(`not run: ${module.name} has no listener of ${letter.type ?? '(no type)'} in this process (this build, APP_MODULES); the dead letter stays open`));
    } else if (outcome !== 'ack' && outcome !== 'requeued') {
      // Parked again: the cause is not fixed; the new dead letter says why.
      this.out.fail(new Error(`the retry failed (${outcome}); see dead-letters list`));
    }
  }
}

@SubCommand({ name: 'discard', arguments: '<id>', description: 'give up on an open dead letter: it is deleted (print it with show first)' })
export class DeadLettersDiscardCommand extends DeadLetterAction {
  constructor(
    access: OperatorAccess,
    out: CliOutput,
    private readonly lookup: DeadLetterLookup,
  ) {
    super(access, out);
  }

  protected async execute([id]: string[], options: ActionOptions): Promise<void> {
    const { module, letter } = await this.lookup.find(id, options.module);
    const discarded = letter.retriedAt ? null : await module.deadLetters.discard(letter.id);
    if (!discarded) throw new Error(`dead letter ${id} of ${module.name} is not open (retried already)`);
    this.out.note(`discarded dead letter ${id} of ${module.name} (${letter.type ?? 'no type'})`);
    if (options.json) this.out.json({ id, module: module.name, discarded: true });
    else this.out.print(`${module.name} ${id}: discarded`);
  }
}
