import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
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
 * Claim, send outside any transaction, mark sent. At least once: a crash between the mail
 * server's acceptance and the mark sends that e-mail again, once the claim runs out.
 */
@CommandHandler(SendDueEmails)
export class SendDueEmailsHandler implements ICommandHandler<SendDueEmails, number> {
  private readonly logger = new Logger('EmailSender');

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
    await this.tx.single((m) => this.notifications.markSent(m, id));
  }
}
