import { backoffMs } from '../platform/backoff';
import { credentialRules } from './credential-rules';
import { BUSINESS_MODULES, OBSERVER_MODULES, ParsedEnv } from './env-schema';

export type Issue = { variable: string; message: string };

/**
 * Rules across variables: each names the variables it reads and runs only when all of them are
 * valid on their own; it returns why this combination cannot work, or nothing.
 */
export const crossRules: { variables: (keyof ParsedEnv)[]; check: (e: ParsedEnv) => Issue | undefined }[] = [
  {
    variables: ['STREAM_DUPLICATE_WINDOW_MS', 'STREAM_MAX_AGE_MS'],
    check: (e) =>
      e.STREAM_DUPLICATE_WINDOW_MS > e.STREAM_MAX_AGE_MS
        ? {
            variable: 'STREAM_DUPLICATE_WINDOW_MS',
            message: `longer than STREAM_MAX_AGE_MS (${e.STREAM_MAX_AGE_MS}): JetStream refuses a duplicate window past the stream's max age`,
          }
        : undefined,
  },
  {
    variables: ['APP_MODULES', 'NATS_URL'],
    check: (e) =>
      !e.NATS_URL && BUSINESS_MODULES.some((m) => !OBSERVER_MODULES.includes(m) && !e.APP_MODULES.includes(m))
        ? {
            variable: 'NATS_URL',
            message: `required when APP_MODULES (${[...new Set(e.APP_MODULES)].join(',')}) is not every module (activity may be left out): the in-process transport only connects modules of one process`,
          }
        : undefined,
  },
  {
    variables: ['RELAY_ENABLED', 'NATS_URL'],
    check: (e) =>
      !e.RELAY_ENABLED && !e.NATS_URL
        ? { variable: 'RELAY_ENABLED', message: 'false needs NATS_URL: in-process, the relay is what delivers every event, so nothing would ever be delivered' }
        : undefined,
  },
  {
    variables: ['RELAY_POLL_MIN_MS', 'RELAY_POLL_MAX_MS'],
    check: (e) =>
      e.RELAY_POLL_MIN_MS > e.RELAY_POLL_MAX_MS
        ? { variable: 'RELAY_POLL_MIN_MS', message: `${e.RELAY_POLL_MIN_MS} is more than RELAY_POLL_MAX_MS (${e.RELAY_POLL_MAX_MS})` }
        : undefined,
  },
  {
    variables: ['CONSUMER_BACKOFF_BASE_MS', 'CONSUMER_BACKOFF_MAX_MS'],
    check: (e) =>
      e.CONSUMER_BACKOFF_BASE_MS > e.CONSUMER_BACKOFF_MAX_MS
        ? {
            variable: 'CONSUMER_BACKOFF_BASE_MS',
            message: `${e.CONSUMER_BACKOFF_BASE_MS} is more than CONSUMER_BACKOFF_MAX_MS (${e.CONSUMER_BACKOFF_MAX_MS})`,
          }
        : undefined,
  },
  {
    variables: ['NATS_URL', 'INBOX_RETENTION_MS', 'STREAM_MAX_AGE_MS'],
    check: (e) =>
      e.NATS_URL && e.INBOX_RETENTION_MS < e.STREAM_MAX_AGE_MS
        ? {
            variable: 'INBOX_RETENTION_MS',
            message:
              `${e.INBOX_RETENTION_MS} is shorter than STREAM_MAX_AGE_MS (${e.STREAM_MAX_AGE_MS}): a redelivery or replay ` +
              'of a message still in the stream would find its inbox entry pruned and apply the event twice',
          }
        : undefined,
  },
  {
    variables: ['NATS_URL', 'CONSUMER_MAX_DELIVERIES', 'CONSUMER_BACKOFF_BASE_MS', 'CONSUMER_BACKOFF_MAX_MS', 'CONSUMER_ACK_WAIT_MS', 'STREAM_MAX_AGE_MS'],
    check: (e) => {
      const budget = retryBudgetMs(e);
      return e.NATS_URL && budget >= e.STREAM_MAX_AGE_MS
        ? {
            variable: 'CONSUMER_MAX_DELIVERIES',
            message:
              `its retries (with CONSUMER_BACKOFF_BASE_MS, CONSUMER_BACKOFF_MAX_MS, CONSUMER_ACK_WAIT_MS) may take up to ${budget} ms, ` +
              `not less than STREAM_MAX_AGE_MS (${e.STREAM_MAX_AGE_MS}): a failing event could leave the stream before it is dead-lettered`,
          }
        : undefined;
    },
  },
  {
    variables: ['ADMIN_PORT', 'PORT'],
    check: (e) =>
      e.ADMIN_PORT !== undefined && e.ADMIN_PORT === e.PORT
        ? { variable: 'ADMIN_PORT', message: `${e.ADMIN_PORT} is also PORT: the operator endpoints would be public again` }
        : undefined,
  },
  {
    variables: ['ADMIN_PORT', 'DATABASE_URL', 'EMBEDDED_POSTGRES_PORT'],
    check: (e) =>
      !e.DATABASE_URL && e.ADMIN_PORT === e.EMBEDDED_POSTGRES_PORT
        ? { variable: 'ADMIN_PORT', message: `${e.ADMIN_PORT} is also EMBEDDED_POSTGRES_PORT: the embedded Postgres and the admin server cannot share it` }
        : undefined,
  },
  {
    variables: ['ADMIN_FULL_TOKEN', 'ADMIN_TOKEN'],
    check: (e) =>
      e.ADMIN_FULL_TOKEN && !e.ADMIN_TOKEN
        ? { variable: 'ADMIN_FULL_TOKEN', message: 'set without ADMIN_TOKEN: the full scope extends the operator credential, which is off' }
        : e.ADMIN_FULL_TOKEN && e.ADMIN_FULL_TOKEN === e.ADMIN_TOKEN
          ? { variable: 'ADMIN_FULL_TOKEN', message: 'the same as ADMIN_TOKEN: every operator would see personal data' }
          : undefined,
  },
  {
    variables: ['DATABASE_URL', 'PORT', 'EMBEDDED_POSTGRES_PORT'],
    check: (e) =>
      !e.DATABASE_URL && e.PORT === e.EMBEDDED_POSTGRES_PORT
        ? { variable: 'EMBEDDED_POSTGRES_PORT', message: `${e.PORT} is also PORT: the embedded Postgres and the HTTP server cannot share it` }
        : undefined,
  },
  ...credentialRules,
];

/** The longest a delivery can take to be dead-lettered: every attempt up to ack_wait, every backoff at its ceiling. */
function retryBudgetMs(e: ParsedEnv): number {
  let total = e.CONSUMER_MAX_DELIVERIES * e.CONSUMER_ACK_WAIT_MS;
  for (let attempt = 1; attempt < e.CONSUMER_MAX_DELIVERIES; attempt++) {
    total += backoffMs(attempt, e.CONSUMER_BACKOFF_BASE_MS, e.CONSUMER_BACKOFF_MAX_MS, () => 1);
  }
  return total;
}

