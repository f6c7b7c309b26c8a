import { z } from 'zod';
import { backoffMs } from '../platform/backoff';

export const BUSINESS_MODULES = ['orders', 'inventory', 'payments', 'notifications'] as const;
export type BusinessModule = (typeof BUSINESS_MODULES)[number];

/** Postgres `int` and Node's timers both stop at 2^31-1 (about 24.8 days). */
const INT32_MAX = 2_147_483_647;
const DAY_MS = 24 * 3600 * 1000;
/** Retentions feed `now() - $1::bigint * interval '1 millisecond'`: kept well inside timestamp range. */
const TEN_YEARS_MS = 3650 * DAY_MS;

/** A decimal integer string and nothing else ("", "0x10", "1e3", " 80", "3.5" are refused). */
const int = (def: number, min: number, max: number, why = '') =>
  z
    .string()
    .transform((raw, ctx) => {
      const value = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
      if (value >= min && value <= max) return value;
      const message = `${JSON.stringify(raw)} is not a decimal integer from ${min} to ${max}${why && `: ${why}`}`;
      ctx.issues.push({ code: 'custom', input: raw, message });
      return z.NEVER;
    })
    .default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: (i) => `${JSON.stringify(i.input)} is not one of true, false, 1, 0` })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
const postgresUrl = () => z.url({ protocol: /^postgres(ql)?$/, error: 'not a postgres:// URL' }).optional();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000, 1, 65_535),
  RATE_LIMIT_PER_MINUTE: int(1200, 1, 1_000_000_000),
  TRUST_PROXY: bool(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  APP_MODULES: z
    .string()
    .default(BUSINESS_MODULES.join(','))
    .transform((s) => s.split(',').map((m) => m.trim()).filter(Boolean))
    .pipe(z.array(z.enum(BUSINESS_MODULES)).min(1)),
  DATABASE_URL: postgresUrl(),
  EMBEDDED_POSTGRES_DIR: z.string().min(1).default('./.data'),
  EMBEDDED_POSTGRES_PORT: int(54329, 1, 65_535),
  DATABASE_URL_ORDERS: postgresUrl(),
  DATABASE_URL_INVENTORY: postgresUrl(),
  DATABASE_URL_PAYMENTS: postgresUrl(),
  DATABASE_URL_NOTIFICATIONS: postgresUrl(),
  DATABASE_POOL_SIZE: int(
    10,
    2,
    1_000,
    'at boot each module holds one connection (the migration lock) while its migrations run on a second; with 1 they wait for a connection that never comes',
  ),
  // Empty is unset: the in-process transport.
  NATS_URL: z
    .string()
    .optional()
    .transform((s) => s || undefined),
  MESSAGING_NAMESPACE: z.string().regex(/^[a-z0-9_]*$/, 'lower-case letters, digits and _ only').default(''),
  // Max age of each module's stream: the horizon of a JetStream redelivery or replay. Bounded like the retentions.
  STREAM_MAX_AGE_MS: int(7 * DAY_MS, 1_000, TEN_YEARS_MS),
  RELAY_ENABLED: bool(true),
  // One claim's rows are published with every PubAck in flight at once.
  RELAY_BATCH_SIZE: int(500, 1, 10_000),
  // Feeds `$2::int * interval '1 millisecond'` in the claim.
  RELAY_LEASE_MS: int(1_500, 100, INT32_MAX),
  // Durations with no tighter reason stop where Node's timers do.
  RELAY_POLL_MIN_MS: int(20, 1, INT32_MAX),
  RELAY_POLL_MAX_MS: int(1_000, 1, INT32_MAX),
  RELAY_MAX_ATTEMPTS: int(10, 1, 1_000),
  OUTBOX_RETENTION_MS: int(7 * DAY_MS, 1, TEN_YEARS_MS),
  INBOX_RETENTION_MS: int(14 * DAY_MS, 1, TEN_YEARS_MS),
  PRUNE_INTERVAL_MS: int(10 * 60 * 1000, 10, INT32_MAX),
  CONSUMER_MAX_DELIVERIES: int(10, 1, 1_000),
  CONSUMER_BACKOFF_BASE_MS: int(200, 1, INT32_MAX),
  // A retry delay becomes a nak delay, a timer and (in-process) `$4::int * interval` on the outbox row.
  CONSUMER_BACKOFF_MAX_MS: int(30_000, 1, INT32_MAX),
  CONSUMER_ACK_WAIT_MS: int(30_000, 100, INT32_MAX),
  // Handlers in flight per module are also bounded by its pool (DATABASE_POOL_SIZE - 2).
  CONSUMER_CONCURRENCY: int(32, 1, 1_000),
  // How long an event may wait for another one ("not yet") before it is dead-lettered.
  CONSUMER_WAIT_MAX_MS: int(10 * 60 * 1000, 1_000, TEN_YEARS_MS),
  STREAM_DUPLICATE_WINDOW_MS: int(2 * 60 * 1000, 1_000, TEN_YEARS_MS),
  // An odd count of servers holding each stream: 3 survives the loss of one.
  STREAM_REPLICAS: int(1, 1, 5),
  SMTP_URL: z
    .string()
    .optional()
    .transform((s) => s || undefined)
    .pipe(z.url({ protocol: /^smtps?$/, error: 'not an smtp:// or smtps:// URL' }).optional()),
  // The saga's deadline; at least a second, at most a day.
  ORDER_TIMEOUT_MS: int(5 * 60 * 1000, 1_000, DAY_MS),
});

type ParsedEnv = z.output<typeof envSchema>;

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  /** Requests per client IP and minute on the HTTP API (not health, metrics, docs). */
  rateLimitPerMinute: number;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (rate limits, logs). */
  trustProxy: boolean;
  logLevel: string;
  modules: BusinessModule[];
  /** `url` unset: main.ts starts an embedded Postgres and fills it in. */
  database: { url?: string; urls: Partial<Record<string, string>>; poolSize: number; embedded: { dir: string; port: number } };
  /** `url` unset: the in-process transport (one process running every module). */
  nats: { url?: string; namespace: string };
  relay: { enabled: boolean; batchSize: number; leaseMs: number; pollMinMs: number; pollMaxMs: number; maxAttempts: number };
  /** Published outbox rows and inbox entries are history; the relay prunes them after these ages. */
  retention: { outboxMs: number; inboxMs: number; pruneIntervalMs: number };
  consumer: { maxDeliveries: number; backoffBaseMs: number; backoffMaxMs: number; ackWaitMs: number; concurrency: number; waitMaxMs: number };
  /** Every module's JetStream stream; a changed value is applied to an existing stream at boot. */
  stream: { maxAgeMs: number; duplicateWindowMs: number; replicas: number };
  smtpUrl?: string;
  /** The saga's deadline: an order still PENDING after this long is cancelled (TIMED_OUT). */
  orderTimeoutMs: number;
}

export class ConfigError extends Error {}

type Issue = { variable: string; message: string };

/**
 * Rules across variables: each names the variables it reads and runs only when all of them are
 * valid on their own; it returns why this combination cannot work, or nothing.
 */
const crossRules: { variables: (keyof ParsedEnv)[]; check: (e: ParsedEnv) => Issue | undefined }[] = [
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
      !e.NATS_URL && new Set(e.APP_MODULES).size < BUSINESS_MODULES.length
        ? {
            variable: 'NATS_URL',
            message: `required when APP_MODULES (${[...new Set(e.APP_MODULES)].join(',')}) is not every module: the in-process transport only connects modules of one process`,
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
    variables: ['DATABASE_URL', 'PORT', 'EMBEDDED_POSTGRES_PORT'],
    check: (e) =>
      !e.DATABASE_URL && e.PORT === e.EMBEDDED_POSTGRES_PORT
        ? { variable: 'EMBEDDED_POSTGRES_PORT', message: `${e.PORT} is also PORT: the embedded Postgres and the HTTP server cannot share it` }
        : undefined,
  },
];

/** The longest a delivery can take to be dead-lettered: every attempt up to ack_wait, every backoff at its ceiling. */
function retryBudgetMs(e: ParsedEnv): number {
  let total = e.CONSUMER_MAX_DELIVERIES * e.CONSUMER_ACK_WAIT_MS;
  for (let attempt = 1; attempt < e.CONSUMER_MAX_DELIVERIES; attempt++) {
    total += backoffMs(attempt, e.CONSUMER_BACKOFF_BASE_MS, e.CONSUMER_BACKOFF_MAX_MS, () => 1);
  }
  return total;
}

/**
 * Validates the environment once: each variable on its own, then the rules across them; every
 * bad variable is named in one error.
 */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const values: Partial<Record<keyof ParsedEnv, unknown>> = {};
  const issues: Issue[] = [];
  for (const [variable, schema] of Object.entries(envSchema.shape) as [keyof ParsedEnv, z.ZodType][]) {
    const parsed = schema.safeParse(env[variable]);
    if (parsed.success) values[variable] = parsed.data;
    else issues.push(...parsed.error.issues.map((i) => ({ variable, message: i.message })));
  }
  for (const rule of crossRules) {
    if (!rule.variables.every((v) => v in values)) continue;
    const issue = rule.check(values as ParsedEnv);
    if (issue) issues.push(issue);
  }
  if (issues.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
  }
  return toAppConfig(values as ParsedEnv);
}

function toAppConfig(e: ParsedEnv): AppConfig {
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    modules: [...new Set(e.APP_MODULES)],
    database: {
      url: e.DATABASE_URL,
      urls: {
        orders: e.DATABASE_URL_ORDERS,
        inventory: e.DATABASE_URL_INVENTORY,
        payments: e.DATABASE_URL_PAYMENTS,
        notifications: e.DATABASE_URL_NOTIFICATIONS,
      },
      poolSize: e.DATABASE_POOL_SIZE,
      embedded: { dir: e.EMBEDDED_POSTGRES_DIR, port: e.EMBEDDED_POSTGRES_PORT },
    },
    nats: { url: e.NATS_URL, namespace: e.MESSAGING_NAMESPACE },
    relay: {
      enabled: e.RELAY_ENABLED,
      batchSize: e.RELAY_BATCH_SIZE,
      leaseMs: e.RELAY_LEASE_MS,
      pollMinMs: e.RELAY_POLL_MIN_MS,
      pollMaxMs: e.RELAY_POLL_MAX_MS,
      maxAttempts: e.RELAY_MAX_ATTEMPTS,
    },
    retention: { outboxMs: e.OUTBOX_RETENTION_MS, inboxMs: e.INBOX_RETENTION_MS, pruneIntervalMs: e.PRUNE_INTERVAL_MS },
    consumer: {
      maxDeliveries: e.CONSUMER_MAX_DELIVERIES,
      backoffBaseMs: e.CONSUMER_BACKOFF_BASE_MS,
      backoffMaxMs: e.CONSUMER_BACKOFF_MAX_MS,
      ackWaitMs: e.CONSUMER_ACK_WAIT_MS,
      concurrency: e.CONSUMER_CONCURRENCY,
      waitMaxMs: e.CONSUMER_WAIT_MAX_MS,
    },
    stream: { maxAgeMs: e.STREAM_MAX_AGE_MS, duplicateWindowMs: e.STREAM_DUPLICATE_WINDOW_MS, replicas: e.STREAM_REPLICAS },
    smtpUrl: e.SMTP_URL,
    orderTimeoutMs: e.ORDER_TIMEOUT_MS,
  };
}

/** A module's own database, falling back to the shared one (ARCHITECTURE §5). */
export function databaseUrlFor(config: AppConfig, module: string): string {
  const url = config.database.urls[module] ?? config.database.url;
  if (!url) throw new ConfigError(`no database URL for ${module}: set DATABASE_URL or start the embedded Postgres first`);
  return url;
}
