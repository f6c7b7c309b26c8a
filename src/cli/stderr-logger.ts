import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { scrubLogText } from '../platform/observability/log-scrubber';
import { visible } from './table';

const scrub = (value: unknown) =>
  typeof value === 'string' ? visible(scrubLogText(value)) : value instanceof Error ? visible(scrubLogText(value.stack ?? value.message)) : value;

/**
 * The modules' log lines on stderr only (stdout is the command's data), warnings and errors by
 * default, scrubbed like the shop's own log (an SMTP refusal names its recipient, a driver's error
 * its URL). A failed boot is main's one-line report; its stack only at LOG_LEVEL=debug.
 */
export class StderrLogger extends ConsoleLogger {
  private readonly showStacks: boolean;
  private skipStack = false;

  constructor(logLevel: string) {
    const verbose = ['debug', 'trace'].includes(logLevel);
    const levels: LogLevel[] = logLevel === 'silent' ? [] : verbose ? ['error', 'warn', 'log', 'debug', 'verbose'] : ['error', 'warn'];
    super({ logLevels: levels });
    this.showStacks = verbose;
  }

  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, _stream?: 'stdout' | 'stderr', errorStack?: unknown): void {
    // error() prints the messages, then the stack: both go for a failed boot.
    this.skipStack = context === 'ExceptionHandler' && !this.showStacks;
    if (this.skipStack) return;
    super.printMessages(messages.map(scrub), context, logLevel, 'stderr', scrub(errorStack));
  }

  protected override printStackTrace(stack: string): void {
    if (this.skipStack) return;
    super.printStackTrace(visible(scrubLogText(stack ?? '')));
  }
}
