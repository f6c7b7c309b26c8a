import { redactUrls } from '../redact-url';

/** An e-mail address anywhere in free text (personal data); not the user-info of a URL (`smtp://user:***@host`). */
const EMAIL = /(?<!:\/\/[^\s@/]*)[^\s@"'<>()[\],;:\\]+@[^\s@"'<>()[\],;:\\]+\.[A-Za-z]{2,}/g;

export const hideEmails = (text: string, mask = '[e-mail]') => text.replace(EMAIL, mask);

/**
 * The last line of defence for free text on its way to the log (an SMTP server's refusal names
 * the recipient, a driver's error may print its URL): URL credentials and e-mail addresses go.
 * Card tokens never reach a log line by construction: nothing logs a request body or a payload.
 */
export function scrubLogText(text: string): string {
  return hideEmails(redactUrls(text));
}
