import { ConsoleLogger, LogLevel } from '@nestjs/common';

/** The modules' log lines on stderr only (stdout is the command's data), warnings and errors by default. */
export class StderrLogger extends ConsoleLogger {
  constructor(logLevel: string) {
    const levels: LogLevel[] = logLevel === 'silent' ? [] : ['debug', 'trace'].includes(logLevel) ? ['error', 'warn', 'log', 'debug', 'verbose'] : ['error', 'warn'];
    super({ logLevels: levels });
  }

  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, _stream?: 'stdout' | 'stderr', errorStack?: unknown): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}
