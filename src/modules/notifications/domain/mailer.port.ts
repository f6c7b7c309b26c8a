import { Email } from './templates';

/** E-mail is outside the product: SMTP in production; without SMTP_URL only the notifications table records it. */
export abstract class Mailer {
  abstract send(email: Email): Promise<void>;
}
