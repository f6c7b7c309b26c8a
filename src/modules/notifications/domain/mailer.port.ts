import { Email } from './templates';

/** E-mail is outside the product: SMTP in production, a recorder where none is configured. */
export abstract class Mailer {
  abstract send(email: Email): Promise<void>;
}
