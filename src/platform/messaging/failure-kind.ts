import { NotYetError } from '../domain-error';

/**
 * Why a delivery failed decides what it costs. `waiting` (a "not yet", or an outage of the
 * database, the broker or an outside service such as SMTP or the gateway) is retried for as
 * long as it lasts; only `faulty` (the handler's own repeated failure) moves toward the
 * dead-letter table.
 */
export type FailureKind = 'waiting' | 'faulty';

/** Postgres classes that say "the server or the connection", not "your statement". */
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01|55P03|58)/;
const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  'ESOCKET', 'ECONNECTION', 'EDNS', 'ETIMEOUT', 'ECONNABORTED',
]);
const TRANSIENT_MESSAGE = [
  /timeout exceeded when trying to connect/i, // pg pool acquire timeout: pool pressure
  /Connection terminated/i,
  /the database system is (starting up|shutting down|in recovery)/i,
  /Client has encountered a connection error/i,
  /Query read timeout/i,
];

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof NotYetError) return 'waiting';
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object') return 'faulty';
  const code = typeof e.code === 'string' ? e.code : '';
  if (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_ERRNO.has(code)) return 'waiting';
  // SMTP 4xx: the server says "try again later".
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500) return 'waiting';
  if (typeof e.message === 'string' && TRANSIENT_MESSAGE.some((p) => p.test(e.message as string))) return 'waiting';
  return e.cause ? classifyFailure(e.cause) : 'faulty';
}
