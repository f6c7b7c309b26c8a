import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { render, Template } from '../domain/templates';
import { EmailSenderWorker } from '../infrastructure/email-sender.worker';
import { CLAIM_MS, SendDueEmails } from './send-due-emails.handler';
import { NotificationRepository } from '../infrastructure/notification.repository';

export class SendNotification {
  constructor(
    readonly template: Template,
    readonly data: { orderId: string; to: string; totalCents?: number; reason?: string },
  ) {}
}

/**
 * Records the e-mail of (order, template) once, with the event; the sender mails it after the
 * commit. The mail server is never called inside the consumer's transaction.
 */
@CommandHandler(SendNotification)
export class SendNotificationHandler implements ICommandHandler<SendNotification> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly notifications: NotificationRepository,
    private readonly sender: EmailSenderWorker,
  ) {}

  execute({ template, data }: SendNotification): Promise<void> {
    const email = render(template, data);
    const id = uuidv7();
    return this.tx.run(async (m) => {
      // Recorded with the COMMIT; mailed once committed, if this was the first record of it.
      const recorded = this.notifications.recordAtCommit(m, { id, orderId: data.orderId, template, email }, CLAIM_MS);
      recorded.catch(() => undefined);
      this.tx.afterCommit(() => void recorded.then((first) => first && this.sender.runNow(new SendDueEmails(1, [{ id, ...email }]))));
    });
  }
}
