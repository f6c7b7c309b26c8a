import { escapeLiteral } from 'pg';
// pg's own conversion of a parameter to its text form (arrays, dates, JSON, buffers), untyped upstream.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => string | Buffer | null };

/**
 * A parameterised statement as one plain SQL text, each `$n` replaced by its value as a quoted
 * literal (pg's own text form, escaped by pg's escapeLiteral): an untyped literal resolves to the
 * type the context asks for, as a parameter does. It lets a statement travel in the same round
 * trip as BEGIN or COMMIT (the simple query protocol takes no parameters).
 *
 * Undefined when the text is not plainly parameterised (dollar quoting, a `$` in a literal or an
 * identifier, a parameter number without a value, a comment, a backslash): the caller then sends
 * it the usual way.
 */
export function inlineParams(text: string, params: readonly unknown[]): string | undefined {
  // The scanner knows no comments and no E'' escapes: a `$1` inside `/* */`, or after an E'\'',
  // would put the value's own quotes where Postgres reads code (a value "*/; DELETE ...; /*" ran).
  if (text.includes('/*') || text.includes('\\')) return undefined;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = closing(text, i);
      if (end < 0) return undefined;
      const quoted = text.slice(i, end + 1);
      if (quoted.includes('$')) return undefined;
      out += quoted;
      i = end + 1;
    } else if (c === '$') {
      const digits = /^\d+/.exec(text.slice(i + 1))?.[0];
      if (!digits) return undefined;
      const n = Number(digits);
      if (n < 1 || n > params.length) return undefined;
      const literal = literalOf(params[n - 1]);
      if (literal === undefined) return undefined;
      out += literal;
      i += 1 + digits.length;
    } else if (c === '-' && text[i + 1] === '-') {
      return undefined;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index of the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closing(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i;
    } else i++;
  }
  return -1;
}

/** The values as SQL literals (an EXECUTE's arguments), undefined when one cannot be written so. */
export function literalsOf(params: readonly unknown[]): string[] | undefined {
  const literals: string[] = [];
  for (const value of params) {
    const literal = literalOf(value);
    if (literal === undefined) return undefined;
    literals.push(literal);
  }
  return literals;
}

function literalOf(value: unknown): string | undefined {
  const prepared = prepareValue(value);
  if (prepared === null) return 'NULL';
  if (Buffer.isBuffer(prepared)) return undefined;
  // A NUL cannot be in a simple query's text (Postgres would refuse the whole message, not the value).
  if (prepared.includes('\0')) return undefined;
  return escapeLiteral(prepared);
}

/**
 * Whether a text sent carries its values as literals: one sent with BEGIN or COMMIT (the only
 * ones with a `;`), or the EXECUTE of a prepared statement (PreparedStatements).
 */
export const carriesInlinedValues = (text: string): boolean => text.includes(';') || text.startsWith('EXECUTE ');

/**
 * A statement's text for a trace: one that carries its values inlined (e-mails, names, whole
 * envelopes), where a parameterised one carried `$n`, gets every quoted literal as '?'. pg's
 * literals double their quotes, also in E''.
 */
export function withoutInlinedValues(text: string): string {
  return carriesInlinedValues(text) ? text.replace(/'(?:[^']|'')*'/g, "'?'") : text;
}
