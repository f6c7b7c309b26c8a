/** The user-info of a URL (`user:password@`, or a bare token `nats://token@`): a credential. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
/** An e-mail address anywhere in free text: personal data. */
const EMAIL = /[^\s@"'<>()[\],;:\\]+@[^\s@"'<>()[\],;:\\]+\.[A-Za-z]{2,}/g;

export const hideUrlCredentials = (text: string, mask = '***') => text.replace(URL_CREDENTIALS, `$1${mask}@`);
export const hideEmails = (text: string, mask = '[e-mail]') => text.replace(EMAIL, mask);

/**
 * The last line of defence for free text on its way to the log (an SMTP server's refusal names
 * the recipient, a driver's error may print its URL): URL credentials and e-mail addresses go.
 * Card tokens never reach a log line by construction: nothing logs a request body or a payload.
 */
export function scrubLogText(text: string): string {
  return hideEmails(hideUrlCredentials(text));
}
