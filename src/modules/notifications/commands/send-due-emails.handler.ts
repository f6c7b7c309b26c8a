import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { GroupWriter } from '../../../platform/group-writer';
import { Mailer } from '../domain/mailer.port';
import { NotificationRepository, OutgoingEmail } from '../infrastructure/notification.repository';

/** Sends up to `limit` recorded e-mails, or the given ones (claimed when recorded); returns how many it sent or tried. */
export class SendDueEmails {
  constructor(
    readonly limit = 8,
    readonly claimed?: OutgoingEmail[],
  ) {}
}

export const CLAIM_MS = 60_000;
/**
 * Sent e-mails wait this long to be marked in one statement: two e-mails an order, each marked
 * alone, were two round trips and two commits of every order.
 */
const MARK_LINGER_MS = 10;

/**
 * Claim, send outside any transaction, mark sent (marks of e-mails sent meanwhile go together).
 * At least once: a crash between the mail server's acceptance and the mark, or a mark that
 * fails, sends that e-mail again once its claim runs out.
 */
@CommandHandler(SendDueEmails)
export class SendDueEmailsHandler implements ICommandHandler<SendDueEmails, number> {
  private readonly logger = new Logger('EmailSender');
  // Uncapped: each waiting mark is awaited by its send, so sends bound them.
  private readonly marks = new GroupWriter<string>(
    (ids) => this.markAll(ids),
    (error, lost) => this.logger.warn(`${lost} sent e-mails not marked sent (${(error as Error).message}); each is sent again when its claim runs out`),
    Infinity,
    MARK_LINGER_MS,
  );

  constructor(
    private readonly tx: TransactionRunner,
    private readonly notifications: NotificationRepository,
    private readonly mailer: Mailer,
  ) {}

  async execute({ limit, claimed }: SendDueEmails): Promise<number> {
    const due = claimed ?? (await this.tx.single((m) => this.notifications.claimUnsent(m, limit, CLAIM_MS)));
    await Promise.all(due.map((email) => this.send(email)));
    return due.length;
  }

  private async send({ id, ...email }: OutgoingEmail): Promise<void> {
    try {
      await this.mailer.send(email);
    } catch (error) {
      const message = (error as Error).message;
      this.logger.warn(`e-mail ${id} not sent (${message}); it will be tried again`);
      await this.tx.single((m) => this.notifications.postpone(m, id, message)).catch(() => undefined);
      return;
    }
    // Awaited: a worker's shutdown waits for its runs, so the marks of what it sent are written.
    await this.marks.add(id);
  }

  /** One refused row must not leave the others of its group unmarked (each would be mailed again): they go one by one then. */
  private async markAll(ids: string[]): Promise<void> {
    const mark = (some: string[]) => this.tx.single((m) => this.notifications.markSent(m, some));
    try {
      return await mark(ids);
    } catch (error) {
      if (ids.length === 1) throw error;
    }
    const refused: Error[] = [];
    for (const id of ids) await mark([id]).catch((error: Error) => refused.push(error));
    if (refused.length > 0) {
      this.logger.warn(`${refused.length} of ${ids.length} sent e-mails not marked sent (${refused[0].message}); each is sent again when its claim runs out`);
    }
  }
}
