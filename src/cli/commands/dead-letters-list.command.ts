import { Option, SubCommand } from 'nest-commander';
import { Redactor } from '../../contracts/redaction';
import { viewDeadLetter } from '../../platform/inbox/dead-letter-view';
import { CliOutput, UsageError } from '../cli-output';
import { OperatorAccess } from '../operator-access';
import { JsonOption, OperatorCommand } from '../operator-command';
import { parseMoment } from '../range-point';
import { truncate } from '../table';
import { DeadLetterLookup } from './dead-letter-lookup';

export interface ListOptions extends JsonOption {
  module?: string;
  type?: string;
  since?: string;
  limit?: string;
  reveal?: string;
}

const MAX_LIMIT = 10_000;

@SubCommand({ name: 'list', description: 'open dead letters, oldest first; personal data hidden unless --reveal personal (ADMIN_FULL_TOKEN)' })
export class DeadLettersListCommand extends OperatorCommand<ListOptions> {
  constructor(
    access: OperatorAccess,
    out: CliOutput,
    private readonly lookup: DeadLetterLookup,
    private readonly redactor: Redactor,
  ) {
    super(access, out);
  }

  protected async execute(_: string[], options: ListOptions): Promise<void> {
    const limit = parseLimit(options.limit);
    const since = options.since === undefined ? undefined : parseMoment(options.since, '--since');
    const reveal = revealPersonal(options.reveal, this.access);
    const letters = [];
    for (const { name, deadLetters } of this.lookup.select(options.module)) {
      for (const letter of await deadLetters.list(limit, { type: options.type, since })) {
        letters.push({ module: name, ...viewDeadLetter(letter, this.redactor, reveal) });
      }
    }
    letters.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const shown = letters.slice(0, limit);
    // Who saw personal data, for the audit trail; never the data itself.
    if (reveal) this.out.note(`personal data of ${shown.length} dead letters shown to the full admin scope`);
    if (options.json) return this.out.json(shown);
    this.out.table(
      ['MODULE', 'ID', 'SOURCE', 'CONSUMER', 'TYPE', 'ATTEMPTS', 'PARKED AT', 'ERROR'],
      shown.map((l) => [l.module, l.id, l.source, l.consumer, l.type, l.attempts, l.createdAt, truncate(l.error)]),
      'no open dead letters',
    );
  }

  @Option({ flags: '--module <module>', description: 'only this module' })
  parseModule(value: string): string {
    return value;
  }

  @Option({ flags: '--type <type>', description: 'only this event type (orders.OrderPlaced)' })
  parseType(value: string): string {
    return value;
  }

  @Option({ flags: '--since <time>', description: 'parked since an ISO-8601 time or an age (15m, 2h, 7d)' })
  parseSince(value: string): string {
    return value;
  }

  @Option({ flags: '--limit <n>', description: `at most this many (default 100, at most ${MAX_LIMIT})` })
  parseLimit(value: string): string {
    return value;
  }

  @Option({ flags: '--reveal <what>', description: 'personal: show personal data (needs ADMIN_FULL_TOKEN)' })
  parseReveal(value: string): string {
    return value;
  }
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 100;
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (n >= 1 && n <= MAX_LIMIT) return n;
  throw new UsageError(`--limit ${JSON.stringify(text)}: expected an integer from 1 to ${MAX_LIMIT}`);
}

/** `--reveal personal` needs the full scope; anything else to reveal is a usage mistake. */
export function revealPersonal(reveal: string | undefined, access: OperatorAccess): boolean {
  if (reveal === undefined) return false;
  if (reveal !== 'personal') throw new UsageError(`--reveal ${JSON.stringify(reveal)}: only "personal" can be revealed (secrets never are)`);
  access.requirePersonalData();
  return true;
}
