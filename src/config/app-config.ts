import { z } from 'zod';
import { crossRules } from './config-rules';
import { BusinessModule, envSchema, ParsedEnv } from './env-schema';
import { NatsAuth, parseNatsUrl } from './nats-servers';
import { readSecretFiles } from './secret-files';
import { TrustProxy } from './trust-proxy';

export { BUSINESS_MODULES } from './env-schema';
export type { BusinessModule } from './env-schema';
export type { NatsAuth } from './nats-servers';

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  /**
   * The operator endpoints: `token` unset, they are off (never open); `fullToken` also reveals
   * personal data; `port` set, they and /metrics are served there and nowhere else.
   */
  admin: { token?: string; fullToken?: string; port?: number };
  /** Requests per client IP and minute on the HTTP API (not health, metrics, docs). */
  rateLimitPerMinute: number;
  /** /health and /metrics: their own, more generous budget per client IP and minute. */
  probeRateLimitPerMinute: number;
  /** Behind reverse proxies: how many hops, or which addresses, may set X-Forwarded-For (rate limits, logs). */
  trustProxy: TrustProxy;
  /** Rate-limit counters shared by every replica; unset: each process counts alone. */
  redisUrl?: string;
  logLevel: string;
  modules: BusinessModule[];
  /**
   * `url` unset: main.ts starts an embedded Postgres and fills it in. `caFile`: DATABASE_CA_FILE.
   * `existingOnly` (the operator CLI, never the environment): open the modules' databases as they
   * are, creating and migrating nothing, and fail at once rather than retry.
   */
  database: { url?: string; urls: Partial<Record<string, string>>; poolSize: number; preparedStatements: boolean; caFile?: string; embedded: { dir: string; port: number }; existingOnly?: boolean };
  /**
   * `url` unset: the in-process transport (one process running every module). `url` is NATS_URL
   * as given (it may hold a password: never log it); `servers` is the same list without credentials.
   */
  nats: { url?: string; servers: string[]; auth?: NatsAuth; tls?: NatsTls; namespace: string };
  relay: { enabled: boolean; batchSize: number; leaseMs: number; pollMinMs: number; pollMaxMs: number; maxAttempts: number };
  /** Published outbox rows and inbox entries are history; the relay prunes them after these ages. */
  retention: { outboxMs: number; inboxMs: number; pruneIntervalMs: number };
  consumer: { maxDeliveries: number; backoffBaseMs: number; backoffMaxMs: number; ackWaitMs: number; concurrency: number; groupMax: number; waitMaxMs: number };
  /** Every module's JetStream stream; a changed value is applied to an existing stream at boot. */
  stream: { maxAgeMs: number; duplicateWindowMs: number; replicas: number };
  smtpUrl?: string;
  /** The saga's deadline: an order still PENDING after this long is cancelled (TIMED_OUT). */
  orderTimeoutMs: number;
}

/** TLS to NATS: required when set (a `tls://` URL, or any of the files). */
export interface NatsTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export class ConfigError extends Error {}

/**
 * Validates the environment once: each variable on its own, then the rules across them; every
 * bad variable is named in one error.
 */
export function loadConfig(given: Record<string, string | undefined>): AppConfig {
  const { env, fromFile, issues } = readSecretFiles(given);
  const values: Partial<Record<keyof ParsedEnv, unknown>> = {};
  for (const [variable, schema] of Object.entries(envSchema.shape) as [keyof ParsedEnv, z.ZodType][]) {
    const parsed = schema.safeParse(env[variable]);
    if (parsed.success) values[variable] = parsed.data;
    else issues.push(...parsed.error.issues.map((i) => ({ variable: named(variable, fromFile), message: i.message })));
  }
  for (const rule of crossRules) {
    if (!rule.variables.every((v) => v in values)) continue;
    const issue = rule.check(values as ParsedEnv);
    if (issue) issues.push({ ...issue, variable: named(issue.variable, fromFile) });
  }
  if (issues.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
  }
  return toAppConfig(values as ParsedEnv);
}

/** A value read from `<NAME>_FILE` is named with its file variable: that is what the operator set. */
const named = (variable: string, fromFile: Set<string>) => (fromFile.has(variable) ? `${variable} (from ${variable}_FILE)` : variable);

function natsSettings(e: ParsedEnv): AppConfig['nats'] {
  const parsed = e.NATS_URL ? parseNatsUrl(e.NATS_URL).value : undefined;
  const auth: NatsAuth | undefined =
    parsed?.credentials ??
    (e.NATS_TOKEN ? { token: e.NATS_TOKEN } : undefined) ??
    (e.NATS_CREDS_FILE ? { credsFile: e.NATS_CREDS_FILE } : undefined) ??
    (e.NATS_NKEY_SEED_FILE ? { nkeySeedFile: e.NATS_NKEY_SEED_FILE } : undefined);
  const files = { caFile: e.NATS_TLS_CA_FILE, certFile: e.NATS_TLS_CERT_FILE, keyFile: e.NATS_TLS_KEY_FILE };
  const tls = parsed?.tls || Object.values(files).some(Boolean) ? (Object.fromEntries(Object.entries(files).filter(([, path]) => path)) as NatsTls) : undefined;
  return { url: e.NATS_URL, servers: parsed?.servers ?? [], auth, tls, namespace: e.MESSAGING_NAMESPACE };
}

function toAppConfig(e: ParsedEnv): AppConfig {
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    admin: { token: e.ADMIN_TOKEN, fullToken: e.ADMIN_FULL_TOKEN, port: e.ADMIN_PORT },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    probeRateLimitPerMinute: e.RATE_LIMIT_PROBES_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    modules: [...new Set(e.APP_MODULES)],
    database: {
      url: e.DATABASE_URL,
      urls: {
        orders: e.DATABASE_URL_ORDERS,
        inventory: e.DATABASE_URL_INVENTORY,
        payments: e.DATABASE_URL_PAYMENTS,
        notifications: e.DATABASE_URL_NOTIFICATIONS,
        activity: e.DATABASE_URL_ACTIVITY,
      },
      poolSize: e.DATABASE_POOL_SIZE,
      preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
      caFile: e.DATABASE_CA_FILE,
      embedded: { dir: e.EMBEDDED_POSTGRES_DIR, port: e.EMBEDDED_POSTGRES_PORT },
    },
    nats: natsSettings(e),
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
      groupMax: e.CONSUMER_GROUP_MAX,
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
