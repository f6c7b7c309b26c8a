import { z } from 'zod';

export const BUSINESS_MODULES = ['orders', 'inventory', 'payments', 'notifications'] as const;
export type BusinessModule = (typeof BUSINESS_MODULES)[number];

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000),
  RATE_LIMIT_PER_MINUTE: int(1200, 1),
  TRUST_PROXY: bool(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  APP_MODULES: z
    .string()
    .default(BUSINESS_MODULES.join(','))
    .transform((s) => s.split(',').map((m) => m.trim()).filter(Boolean))
    .pipe(z.array(z.enum(BUSINESS_MODULES)).min(1)),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  EMBEDDED_POSTGRES_DIR: z.string().min(1).default('./.data'),
  EMBEDDED_POSTGRES_PORT: int(54329, 1),
  DATABASE_URL_ORDERS: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_URL_INVENTORY: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_URL_PAYMENTS: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_URL_NOTIFICATIONS: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_SIZE: int(10, 1),
  NATS_URL: z.string().optional(),
  MESSAGING_NAMESPACE: z.string().regex(/^[a-z0-9_]*$/, 'lower-case letters, digits and _ only').default(''),
  RELAY_ENABLED: bool(true),
  RELAY_BATCH_SIZE: int(500, 1),
  RELAY_LEASE_MS: int(1_500, 100),
  RELAY_POLL_MIN_MS: int(20, 1),
  RELAY_POLL_MAX_MS: int(1_000, 1),
  RELAY_MAX_ATTEMPTS: int(10, 1),
  OUTBOX_RETENTION_MS: int(7 * 24 * 3600 * 1000, 1),
  INBOX_RETENTION_MS: int(14 * 24 * 3600 * 1000, 1),
  PRUNE_INTERVAL_MS: int(10 * 60 * 1000, 10),
  CONSUMER_MAX_DELIVERIES: int(10, 1),
  CONSUMER_BACKOFF_BASE_MS: int(200, 1),
  CONSUMER_BACKOFF_MAX_MS: int(30_000, 1),
  CONSUMER_ACK_WAIT_MS: int(30_000, 100),
  CONSUMER_CONCURRENCY: int(32, 1),
  SMTP_URL: z.string().optional(),
});

export type Env = z.input<typeof envSchema>;

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
  consumer: { maxDeliveries: number; backoffBaseMs: number; backoffMaxMs: number; ackWaitMs: number; concurrency: number };
  smtpUrl?: string;
}

export class ConfigError extends Error {}

/** Validates the environment once; every bad variable is named in one error. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const modules = [...new Set(e.APP_MODULES)];
  const natsUrl = e.NATS_URL || undefined;
  if (!natsUrl && modules.length < BUSINESS_MODULES.length) {
    throw new ConfigError(
      `Invalid configuration:\n  NATS_URL: required when APP_MODULES (${modules.join(',')}) is not every module: ` +
        'the in-process transport only connects modules of one process',
    );
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    modules,
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
    nats: { url: natsUrl, namespace: e.MESSAGING_NAMESPACE },
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
    },
    smtpUrl: e.SMTP_URL,
  };
}

/** A module's own database, falling back to the shared one (ARCHITECTURE §5). */
export function databaseUrlFor(config: AppConfig, module: string): string {
  const url = config.database.urls[module] ?? config.database.url;
  if (!url) throw new ConfigError(`no database URL for ${module}: set DATABASE_URL or start the embedded Postgres first`);
  return url;
}
