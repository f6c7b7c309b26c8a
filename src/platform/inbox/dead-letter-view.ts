import { REDACTED, Redactor } from '../../contracts/redaction';
import { hideEmails } from '../observability/log-scrubber';
import { redactUrls } from '../redact-url';
import { DeadLetter } from './dead-letters';

/**
 * What an operator sees of a dead letter. Secrets never (an old row may still hold one); personal
 * data only when the full scope asked for it, and then both the contracts' declared fields and
 * any e-mail address in free text; credentials in a quoted connection string never.
 */
export function viewDeadLetter(letter: DeadLetter, redactor: Redactor, revealPersonal: boolean): DeadLetter {
  const text = (value: string) => {
    const redacted = redactUrls(redactor.redactText(value, { revealPersonal }));
    return revealPersonal ? redacted : hideEmails(redacted, REDACTED);
  };
  return {
    ...letter,
    envelope: maskStrings(redactor.redact(letter.envelope, { revealPersonal }), revealPersonal ? undefined : (s) => hideEmails(s, REDACTED)),
    // A broken producer may put anything anywhere: the id and type columns come from its envelope.
    eventId: letter.eventId === null ? null : text(letter.eventId),
    type: letter.type === null ? null : text(letter.type),
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
