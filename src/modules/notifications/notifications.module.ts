import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { ModuleDatabaseModule } from '../../platform/database/module-database.module';
import { SendDueEmailsHandler } from './commands/send-due-emails.handler';
import { SendNotificationHandler } from './commands/send-notification.handler';
import { Mailer } from './domain/mailer.port';
import { NotificationsHttpController } from './http/notifications.http.controller';
import { NotificationRepository } from './infrastructure/notification.repository';
import { NotificationsInit1700000000004 } from './infrastructure/notifications-init.migration';
import { EmailSenderWorker } from './infrastructure/email-sender.worker';
import { LogMailer } from './infrastructure/log.mailer';
import { NotificationsOutbound1700000000014 } from './infrastructure/notifications-outbound.migration';
import { SmtpMailer } from './infrastructure/smtp.mailer';
import { NotificationsListener } from './listeners/notifications.listener';

/** The saga's e-mails: one per (order, template). */
@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'notifications', entities: [], migrations: [NotificationsInit1700000000004, NotificationsOutbound1700000000014] })],
  controllers: [NotificationsHttpController, NotificationsListener],
  providers: [
    NotificationRepository,
    SendNotificationHandler,
    SendDueEmailsHandler,
    EmailSenderWorker,
    {
      provide: Mailer,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => (config.smtpUrl ? new SmtpMailer(config.smtpUrl) : new LogMailer()),
    },
  ],
})
export class NotificationsModule {}
