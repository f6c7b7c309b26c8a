import { Logger } from '@nestjs/common';
import { Mailer } from '../domain/mailer.port';
import { Email } from '../domain/templates';

/** Without SMTP_URL: the notifications table is the record of what was "sent"; nothing is kept in memory. */
export class LogMailer extends Mailer {
  private readonly logger = new Logger('Mailer');

  async send(email: Email): Promise<void> {
    this.logger.debug(`no SMTP_URL: e-mail "${email.subject}" recorded, not sent`);
  }
}
