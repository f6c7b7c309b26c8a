/** user:password@ in any URL (postgres://, nats://, smtp://, redis://). */
const URL_PASSWORD = /(\/\/[^\s:@/]+):[^\s@/]*@/g;
/** An e-mail address: personal data, which logs do not keep. */
const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/**
 * The last line of defence for free text on its way to the log (an SMTP server's refusal names
 * the recipient, a driver's error may print its URL): passwords in URLs and e-mail addresses go.
 * Card tokens never reach a log line by construction: nothing logs a request body or a payload.
 */
export function scrubLogText(text: string): string {
  return text.replace(URL_PASSWORD, '$1:***@').replace(EMAIL, '[e-mail]');
}
