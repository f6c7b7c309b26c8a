import { scrubLogText } from '../platform/observability/log-scrubber';
import { formatTable, visible } from './table';

/** A mistake in how the command was called (exit 2), as opposed to a failure while running it (exit 1). */
export class UsageError extends Error {}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

type Sink = (text: string) => void;

/**
 * Where a command's results go: data on stdout (a table, or JSON for scripts), everything else on
 * stderr (without URL credentials or e-mail addresses), and the exit code the process ends with.
 * Control characters show as `\u001b`, never reach the terminal. One instance per run; tests pass
 * their own sinks.
 */
export class CliOutput {
  exitCode: number = EXIT.ok;

  constructor(
    readonly stdout: Sink = (text) => void process.stdout.write(text),
    readonly stderr: Sink = (text) => void process.stderr.write(text),
  ) {}

  print(text: string): void {
    const shown = visible(text);
    this.stdout(shown.endsWith('\n') ? shown : `${shown}\n`);
  }

  json(value: unknown): void {
    this.print(JSON.stringify(value, null, 2));
  }

  table(header: string[], rows: unknown[][], empty = '(none)'): void {
    this.print(rows.length === 0 ? empty : formatTable(header, rows));
  }

  /** Free text about the run, scrubbed like a log line: personal data is only ever on stdout, and only when revealed. */
  note(text: string): void {
    this.stderr(`${visible(scrubLogText(text))}\n`);
  }

  /** Reports a failure; a usage mistake exits 2, anything else 1. */
  fail(error: unknown): void {
    this.note(`error: ${error instanceof Error ? error.message : String(error)}`);
    this.exitCode = error instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}
