import { Command, Option } from 'nest-commander';
import { CliOutput, UsageError } from '../cli-output';
import { OperatorAccess } from '../operator-access';
import { JsonOption, OperatorCommand } from '../operator-command';
import { checkRange, parseRangePoint } from '../range-point';
import { ConsumerReplay } from '../replay/consumer-replay';

interface ReplayOptions extends JsonOption {
  consumer?: string;
  since?: string;
  until?: string;
  type?: string;
}

@Command({
  name: 'replay',
  description: "re-deliver a range of the streams to one consuming module only; its inbox makes what it applied already a no-op",
})
export class ReplayCommand extends OperatorCommand<ReplayOptions> {
  constructor(
    access: OperatorAccess,
    out: CliOutput,
    private readonly replay: ConsumerReplay,
  ) {
    super(access, out);
  }

  protected async execute(_: string[], options: ReplayOptions): Promise<void> {
    if (!options.consumer || !options.since) throw new UsageError('replay needs --consumer <module> and --since <seq|time>');
    const since = parseRangePoint(options.since, '--since');
    const until = options.until === undefined ? undefined : parseRangePoint(options.until, '--until');
    checkRange(since, until);
    const tallies = await this.replay.replay(options.consumer, since, until, options.type);
    if (options.json) this.out.json(tallies);
    else {
      this.out.table(
        ['STREAM', 'TYPE', 'SEQ', 'DELIVERED', 'APPLIED', 'ALREADY APPLIED', 'FAILED', 'PARKED', 'PARKED BEFORE'],
        tallies.map((t) => [t.stream, t.type, t.firstSeq === null ? '-' : `${t.firstSeq}..${t.lastSeq}`, t.delivered, t.applied, t.duplicates, t.failed, t.parked, t.alreadyParked]),
      );
      for (const t of tallies) for (const error of t.errors) this.out.note(`${t.type} ${error}`);
    }
    const failed = tallies.reduce((n, t) => n + t.failed + t.parked, 0);
    const waiting = tallies.reduce((n, t) => n + t.alreadyParked, 0);
    if (waiting > 0) {
      this.out.note(`${waiting} events of the range wait in ${options.consumer}'s dead letters and were not delivered again: dead-letters list --module ${options.consumer}, then dead-letters retry <id>`);
    }
    if (failed > 0) this.out.fail(new Error(`${failed} deliveries of the replay failed or were parked (dead-letters list)`));
    else if (waiting > 0) this.out.fail(new Error(`${waiting} events of the range are parked, not applied`));
  }

  @Option({ flags: '--consumer <module>', description: 'the consuming module to re-deliver to (orders, inventory, payments, notifications)' })
  parseConsumer(value: string): string {
    return value;
  }

  @Option({ flags: '--since <seq|time>', description: 'from a stream sequence, an ISO-8601 time or an age (15m, 2h, 7d)' })
  parseSince(value: string): string {
    return value;
  }

  @Option({ flags: '--until <seq|time>', description: 'up to (default: the last message when the replay starts)' })
  parseUntil(value: string): string {
    return value;
  }

  @Option({ flags: '--type <type>', description: 'only this event type (needed with a sequence when the module reads several streams)' })
  parseType(value: string): string {
    return value;
  }
}
