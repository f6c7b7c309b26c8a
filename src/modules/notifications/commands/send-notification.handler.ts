import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Mailer } from '../domain/mailer.port';
import { render, Template } from '../domain/templates';
import { NotificationRepository } from '../infrastructure/notification.repository';

export class SendNotification {
  constructor(
    readonly template: Template,
    readonly data: { orderId: string; to: string; totalCents?: number; reason?: string },
  ) {}
}

/**
 * Claims (order, template) and sends inside one transaction: a failed send rolls the claim
 * back for a retry; a sent one is never sent again.
 */
@CommandHandler(SendNotification)
export class SendNotificationHandler implements ICommandHandler<SendNotification> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly notifications: NotificationRepository,
    private readonly mailer: Mailer,
  ) {}

  execute({ template, data }: SendNotification): Promise<void> {
    const email = render(template, data);
    return this.tx.run(async (m) => {
      const claimed = await this.notifications.claim(m, { id: uuidv7(), orderId: data.orderId, template, to: email.to, subject: email.subject });
      if (claimed) await this.mailer.send(email);
    });
  }
}
