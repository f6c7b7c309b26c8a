import { z } from 'zod';
import { postgresTlsProblems } from '../platform/database/postgres-tls';
import { checkCreds, checkNkeySeed, readableFile, unreadable } from './file-settings';
import { parseNatsUrl } from './nats-servers';
import { trustProxySchema } from './trust-proxy';

export const BUSINESS_MODULES = ['orders', 'inventory', 'payments', 'notifications', 'activity'] as const;
export type BusinessModule = (typeof BUSINESS_MODULES)[number];
/** Modules that only watch the others (no listener, no event of their own): the saga runs without them. */
export const OBSERVER_MODULES: readonly BusinessModule[] = ['activity'];

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
/** Its TLS parameters are checked too (sslmode, readable sslrootcert); a message never quotes the URL. */
const postgresUrl = () =>
  z
    .url({ protocol: /^postgres(ql)?$/, error: 'not a postgres:// URL' })
    .optional()
    .transform((url, ctx) => {
      for (const message of url ? postgresTlsProblems(url, unreadable) : []) ctx.issues.push({ code: 'custom', input: '', message });
      return url;
    });
const optionalSecret = () =>
  z
    .string()
    .optional()
    .transform((s) => s || undefined);
/** A bearer credential: empty is unset; never echoed in an error (it is a secret). */
const ADMIN_TOKEN_MIN_LENGTH = 16;
const token = () =>
  z
    .string()
    .optional()
    .transform((s) => s || undefined)
    .pipe(
      z
        .string()
        .min(ADMIN_TOKEN_MIN_LENGTH, { error: `shorter than ${ADMIN_TOKEN_MIN_LENGTH} characters: too easy to guess (e.g. openssl rand -hex 32)` })
        .regex(/^\S+$/, { error: 'holds white space (a stray newline from a file?)' })
        .optional(),
    );
const optionalPort = () =>
  z
    .string()
    .optional()
    .transform((s) => s || undefined)
    .pipe(
      z
        .string()
        .regex(/^[0-9]+$/, { error: (i) => `${JSON.stringify(i.input)} is not a decimal integer from 1 to 65535` })
        .transform(Number)
        .pipe(z.number().min(1, { error: 'not from 1 to 65535' }).max(65_535, { error: 'not from 1 to 65535' }))
        .optional(),
    );

/** Empty is unset (tracing off). */
const otlpUrl = () =>
  z
    .string()
    .optional()
    .transform((s) => s || undefined)
    .pipe(z.url({ protocol: /^https?$/, error: 'not an http:// or https:// URL' }).optional());

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000, 1, 65_535),
  // Operator endpoints: unset token, they are off; unset port, they (and /metrics) share PORT.
  ADMIN_TOKEN: token(),
  ADMIN_FULL_TOKEN: token(),
  ADMIN_PORT: optionalPort(),
  RATE_LIMIT_PER_MINUTE: int(1200, 1, 1_000_000_000),
  // Probes and scrapes have their own budget per client: two a second (liveness + readiness) must always pass.
  RATE_LIMIT_PROBES_PER_MINUTE: int(600, 120, 1_000_000_000, 'a probe or two every second must never be refused'),
  TRUST_PROXY: trustProxySchema,
  // Empty is unset: each process counts alone.
  REDIS_URL: z
    .string()
    .optional()
    .transform((s) => s || undefined)
    .pipe(z.url({ protocol: /^rediss?$/, error: 'not a redis:// or rediss:// URL' }).optional()),
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
  DATABASE_URL_ACTIVITY: postgresUrl(),
  DATABASE_POOL_SIZE: int(
    10,
    2,
    1_000,
    'at boot each module holds one connection (the migration lock) while its migrations run on a second; with 1 they wait for a connection that never comes',
  ),
  // Empty is unset: the in-process transport. A comma list; entries may carry user:pass@.
  NATS_URL: z
    .string()
    .optional()
    .transform((s, ctx) => {
      for (const message of s ? parseNatsUrl(s).problems : []) ctx.issues.push({ code: 'custom', input: '', message });
      return s || undefined;
    }),
  NATS_TOKEN: optionalSecret(),
  NATS_CREDS_FILE: readableFile(checkCreds),
  NATS_NKEY_SEED_FILE: readableFile(checkNkeySeed),
  NATS_TLS_CA_FILE: readableFile(),
  NATS_TLS_CERT_FILE: readableFile(),
  NATS_TLS_KEY_FILE: readableFile(),
  DATABASE_CA_FILE: readableFile(),
  // Off behind a pooler that moves sessions between transactions (PgBouncer's transaction mode): PREPARE is per session.
  DATABASE_PREPARED_STATEMENTS: bool(true),
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
  // 0: a published row is deleted with its mark (no history kept; the cheapest mark).
  OUTBOX_RETENTION_MS: int(7 * DAY_MS, 0, TEN_YEARS_MS),
  INBOX_RETENTION_MS: int(14 * DAY_MS, 1, TEN_YEARS_MS),
  PRUNE_INTERVAL_MS: int(10 * 60 * 1000, 10, INT32_MAX),
  CONSUMER_MAX_DELIVERIES: int(10, 1, 1_000),
  CONSUMER_BACKOFF_BASE_MS: int(200, 1, INT32_MAX),
  // A retry delay becomes a nak delay, a timer and (in-process) `$4::int * interval` on the outbox row.
  CONSUMER_BACKOFF_MAX_MS: int(30_000, 1, INT32_MAX),
  CONSUMER_ACK_WAIT_MS: int(30_000, 100, INT32_MAX),
  // Handlers in flight per module are also bounded by its pool (DATABASE_POOL_SIZE - 2).
  CONSUMER_CONCURRENCY: int(32, 1, 1_000),
  // Deliveries of one durable that wait for a slot together share one transaction, up to this many (1: each alone).
  CONSUMER_GROUP_MAX: int(8, 1, 100),
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
  // Traces: src/tracing.ts and the SDK read these before this schema runs; a malformed one is listed here.
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl(),
});

export type ParsedEnv = z.output<typeof envSchema>;
