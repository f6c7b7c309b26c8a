/**
 * A Postgres bigint as a JS number. node-postgres reads bigint as a string because a number
 * cannot hold every bigint; the API's limits keep amounts below 2^53, and this says so loudly
 * if one ever is not (instead of rounding money).
 */
export function safeInteger(value: string | number, column: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || (typeof value === 'string' && !/^-?\d+$/.test(value))) {
    throw new UnsafeIntegerError(column, String(value));
  }
  return n;
}

export class UnsafeIntegerError extends Error {
  constructor(column: string, value: string) {
    super(`${column} = ${value} does not fit a JS number exactly (limit ${Number.MAX_SAFE_INTEGER})`);
  }
}
