import { REDACTED, Redactor } from '../../contracts/redaction';
import { DeadLetter } from './dead-letters';

/** An e-mail address anywhere in free text: parked payloads may be invalid, error texts quote them. */
const EMAIL = /[^\s@"'<>()[\],;:\\]+@[^\s@"'<>()[\],;:\\]+\.[A-Za-z]{2,}/g;
/** `scheme://user:password@host`: a connection string quoted by a driver's error. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/**
 * What an operator sees of a dead letter. Secrets never (an old row may still hold one); personal
 * data only when the full scope asked for it, and then both the contracts' declared fields and
 * any e-mail address in free text; credentials in a quoted connection string never.
 */
export function viewDeadLetter(letter: DeadLetter, redactor: Redactor, revealPersonal: boolean): DeadLetter {
  const text = (value: string) => {
    const redacted = redactor.redactText(value, { revealPersonal }).replace(URL_CREDENTIALS, `$1${REDACTED}@`);
    return revealPersonal ? redacted : redacted.replace(EMAIL, REDACTED);
  };
  return {
    ...letter,
    envelope: maskStrings(redactor.redact(letter.envelope, { revealPersonal }), revealPersonal ? undefined : (s) => s.replace(EMAIL, REDACTED)),
    raw: letter.raw === null ? null : text(letter.raw),
    error: text(letter.error),
  };
}

function maskStrings(value: unknown, mask: ((s: string) => string) | undefined, depth = 0): unknown {
  if (!mask || depth > 64) return value;
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, mask, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v, mask, depth + 1)]));
}
