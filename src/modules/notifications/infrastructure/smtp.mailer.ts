import { Transporter, createTransport } from 'nodemailer';
import { Mailer } from '../domain/mailer.port';
import { Email } from '../domain/templates';

export class SmtpMailer extends Mailer {
  private readonly transport: Transporter;

  constructor(url: string, private readonly from = 'shop@localhost') {
    super();
    this.transport = createTransport(url);
  }

  async send(email: Email): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...email });
  }
}
