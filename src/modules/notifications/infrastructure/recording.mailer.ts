import { Logger } from '@nestjs/common';
import { Mailer } from '../domain/mailer.port';
import { Email } from '../domain/templates';

/** Without SMTP_URL: keeps the messages (the notifications table is the durable record). */
export class RecordingMailer extends Mailer {
  private readonly logger = new Logger('Mailer');
  readonly sent: Email[] = [];

  async send(email: Email): Promise<void> {
    this.sent.push(email);
    this.logger.debug(`recorded e-mail to ${email.to}: ${email.subject}`);
  }
}
