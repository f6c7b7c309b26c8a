/**
 * Control characters (ESC, CR, BEL, C1) and bidi overrides, but not a line break or a tab. A
 * producer writes what `show` prints (a raw body, a type, an id): on a terminal, an escape
 * sequence would recolour, retitle or rewrite what the operator reads.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
export const visible = (text: string) => text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A value as one table cell: dates as ISO, objects as JSON, line breaks flattened. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString();
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return visible(text.replace(/\s*\n\s*/g, ' '));
}

/** Columns padded to their widest cell, two spaces apart; the last column is never padded. */
export function formatTable(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((row) => row.map(cell))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return cells.map(line).join('\n');
}

/** Cuts long free text (an error) for a table; the full text is in `show` and `--json`. */
export const truncate = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Seconds as a short age: 42s, 3m20s, 5h02m, 2d04h. */
export function age(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}
