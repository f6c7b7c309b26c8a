import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from 'nats';
import { ConfigError, databaseUrlFor, loadConfig } from './app-config';
import { readSecretFiles, SECRET_VARIABLES } from './secret-files';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/shop', NATS_URL: 'nats://127.0.0.1:4222' };
const inProcess = { DATABASE_URL: base.DATABASE_URL };
const DAY = 24 * 3600 * 1000;

type Env = Record<string, string | undefined>;

/** Refuses `env` with a ConfigError whose lines name `variable` (at the start of a line, as printed). */
function refusal(env: Env): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

const named = (variable: string) => new RegExp(`^  ${variable}: `, 'm');

describe('loadConfig', () => {
  it('given the minimum, fills every default', () => {
    const config = loadConfig(base);
    expect(config.modules).toEqual(['orders', 'inventory', 'payments', 'notifications', 'activity']);
    expect(config.port).toBe(3000);
    expect(config.relay).toEqual({
      enabled: true,
      batchSize: 500,
      leaseMs: 1500,
      pollMinMs: 20,
      pollMaxMs: 1000,
      maxAttempts: 10,
    });
    expect(config.stream).toEqual({ maxAgeMs: 7 * DAY, duplicateWindowMs: 120_000, replicas: 1 });
    expect(config.orderTimeoutMs).toBe(300_000);
    expect(config.retention).toEqual({ outboxMs: 7 * DAY, inboxMs: 14 * DAY, pruneIntervalMs: 600_000 });
    expect(config.consumer).toEqual({ maxDeliveries: 10, backoffBaseMs: 200, backoffMaxMs: 30_000, ackWaitMs: 30_000, concurrency: 32, groupMax: 8, waitMaxMs: 600_000 });
    expect(config.database.poolSize).toBe(10);
  });

  it('given several bad variables, names every one in a single error', () => {
    const attempt = () => loadConfig({ DATABASE_URL: 'mysql://x', NATS_URL: 'nats://x', PORT: 'abc', APP_MODULES: 'orders,shipping' });
    expect(attempt).toThrow(ConfigError);
    for (const name of ['DATABASE_URL', 'PORT', 'APP_MODULES']) expect(attempt).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it('given bad values and cross-variable conflicts together, names each variable in the same error', () => {
    const message = refusal({
      ...inProcess,
      PORT: '0x10',
      DATABASE_POOL_SIZE: '1',
      RELAY_ENABLED: 'false',
      RELAY_POLL_MIN_MS: '5000',
      CONSUMER_BACKOFF_BASE_MS: '60000',
      SMTP_URL: 'http://mail',
    });
    for (const name of ['PORT', 'DATABASE_POOL_SIZE', 'RELAY_ENABLED', 'RELAY_POLL_MIN_MS', 'CONSUMER_BACKOFF_BASE_MS', 'SMTP_URL']) {
      expect(message).toMatch(named(name));
    }
  });

  it('given a module database URL, uses it for that module only', () => {
    const config = loadConfig({ ...base, DATABASE_URL_PAYMENTS: 'postgres://postgres@127.0.0.1:5432/payments' });
    expect(databaseUrlFor(config, 'payments')).toMatch(/\/payments$/);
    expect(databaseUrlFor(config, 'orders')).toMatch(/\/shop$/);
  });

  it('given no NATS_URL and every module, selects the in-process transport; for a split deployment, refuses', () => {
    expect(loadConfig({ DATABASE_URL: base.DATABASE_URL }).nats.url).toBeUndefined();
    expect(loadConfig({ ...inProcess, NATS_URL: '' }).nats.url).toBeUndefined();
    expect(() => loadConfig({ APP_MODULES: 'payments' })).toThrow(/NATS_URL: required when APP_MODULES \(payments\)/);
    expect(() => loadConfig({ APP_MODULES: 'activity' })).toThrow(/NATS_URL: required/);
    // The activity module only watches: the saga runs in one process without it.
    expect(loadConfig({ APP_MODULES: 'orders,inventory,payments,notifications' }).modules).not.toContain('activity');
  });

  it('given no DATABASE_URL, leaves it to the embedded Postgres', () => {
    expect(loadConfig({}).database).toMatchObject({ url: undefined, embedded: { dir: './.data', port: 54329 } });
  });

  it('parses booleans strictly', () => {
    expect(loadConfig({ ...base, RELAY_ENABLED: 'false' }).relay.enabled).toBe(false);
    expect(() => loadConfig({ ...base, RELAY_ENABLED: 'nope' })).toThrow(/RELAY_ENABLED/);
  });

  // [variable refused, why, the environment]
  const refused: [string, string, Env][] = [
    ['PORT', 'empty', { ...base, PORT: '' }],
    ['PORT', 'hexadecimal', { ...base, PORT: '0x10' }],
    ['PORT', 'exponent', { ...base, PORT: '1e3' }],
    ['PORT', 'leading space', { ...base, PORT: ' 80' }],
    ['PORT', 'trailing space', { ...base, PORT: '80 ' }],
    ['PORT', 'fraction', { ...base, PORT: '3.5' }],
    ['PORT', 'sign', { ...base, PORT: '+80' }],
    ['PORT', 'negative', { ...base, PORT: '-1' }],
    ['PORT', 'zero', { ...base, PORT: '0' }],
    ['PORT', 'above 65535', { ...base, PORT: '70000' }],
    ['PORT', 'beyond a double', { ...base, PORT: '9'.repeat(400) }],
    ['EMBEDDED_POSTGRES_PORT', 'above 65535', { ...base, EMBEDDED_POSTGRES_PORT: '65536' }],
    ['RATE_LIMIT_PER_MINUTE', 'zero', { ...base, RATE_LIMIT_PER_MINUTE: '0' }],
    ['DATABASE_POOL_SIZE', 'one connection (the migrations would wait for a second)', { ...base, DATABASE_POOL_SIZE: '1' }],
    ['DATABASE_POOL_SIZE', 'above 1000', { ...base, DATABASE_POOL_SIZE: '1001' }],
    ['RELAY_BATCH_SIZE', 'zero', { ...base, RELAY_BATCH_SIZE: '0' }],
    ['RELAY_BATCH_SIZE', 'above 10000', { ...base, RELAY_BATCH_SIZE: '10001' }],
    ['RELAY_LEASE_MS', 'beyond $2::int', { ...base, RELAY_LEASE_MS: '3000000000' }],
    ['RELAY_LEASE_MS', 'below 100', { ...base, RELAY_LEASE_MS: '99' }],
    ['RELAY_POLL_MIN_MS', 'zero', { ...base, RELAY_POLL_MIN_MS: '0' }],
    ['RELAY_POLL_MAX_MS', "beyond Node's timers", { ...base, RELAY_POLL_MAX_MS: '2147483648' }],
    ['RELAY_MAX_ATTEMPTS', 'zero', { ...base, RELAY_MAX_ATTEMPTS: '0' }],
    ['OUTBOX_RETENTION_MS', 'beyond ten years', { ...base, OUTBOX_RETENTION_MS: String(3651 * DAY) }],
    ['INBOX_RETENTION_MS', 'zero', { ...base, INBOX_RETENTION_MS: '0' }],
    ['PRUNE_INTERVAL_MS', 'below 10', { ...base, PRUNE_INTERVAL_MS: '9' }],
    ['STREAM_MAX_AGE_MS', 'below a second', { ...base, STREAM_MAX_AGE_MS: '999' }],
    ['CONSUMER_MAX_DELIVERIES', 'zero', { ...base, CONSUMER_MAX_DELIVERIES: '0' }],
    ['CONSUMER_BACKOFF_MAX_MS', 'beyond $4::int', { ...base, CONSUMER_BACKOFF_MAX_MS: '2147483648' }],
    ['CONSUMER_ACK_WAIT_MS', 'below 100', { ...base, CONSUMER_ACK_WAIT_MS: '50' }],
    ['CONSUMER_CONCURRENCY', "above the consumers' max_ack_pending", { ...base, CONSUMER_CONCURRENCY: '1001' }],
    ['TRUST_PROXY', 'neither a hop count nor addresses', { ...base, TRUST_PROXY: 'yes' }],
    ['RELAY_ENABLED', 'empty', { ...base, RELAY_ENABLED: '' }],
    ['NODE_ENV', 'unknown', { ...base, NODE_ENV: 'staging' }],
    ['LOG_LEVEL', 'unknown', { ...base, LOG_LEVEL: 'verbose' }],
    ['APP_MODULES', 'unknown module', { ...base, APP_MODULES: 'orders,shipping' }],
    ['APP_MODULES', 'none', { ...base, APP_MODULES: ' , ' }],
    ['DATABASE_URL', 'not Postgres', { ...base, DATABASE_URL: 'mysql://x/y' }],
    ['DATABASE_URL', 'empty', { ...base, DATABASE_URL: '' }],
    ['DATABASE_URL_PAYMENTS', 'not a URL', { ...base, DATABASE_URL_PAYMENTS: 'payments' }],
    ['MESSAGING_NAMESPACE', 'upper case', { ...base, MESSAGING_NAMESPACE: 'Prod' }],
    ['SMTP_URL', 'not SMTP', { ...base, SMTP_URL: 'http://mail.example.com' }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'no scheme', { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' }],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'not http', { ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://jaeger:4317' }],
    ['ADMIN_TOKEN', 'shorter than 16 characters', { ...base, ADMIN_TOKEN: 'short-secret' }],
    ['ADMIN_TOKEN', 'a trailing newline', { ...base, ADMIN_TOKEN: `${'x'.repeat(20)}\n` }],
    ['ADMIN_FULL_TOKEN', 'shorter than 16 characters', { ...base, ADMIN_TOKEN: 'x'.repeat(20), ADMIN_FULL_TOKEN: 'y'.repeat(15) }],
    ['ADMIN_PORT', 'zero', { ...base, ADMIN_PORT: '0' }],
    ['ADMIN_PORT', 'above 65535', { ...base, ADMIN_PORT: '65536' }],
    ['ADMIN_PORT', 'not a number', { ...base, ADMIN_PORT: 'admin' }],
    // Across variables.
    ['NATS_URL', 'a split deployment without a broker', { ...inProcess, APP_MODULES: 'orders,payments' }],
    ['RELAY_ENABLED', 'no relay and no broker: nothing would ever be delivered', { ...inProcess, RELAY_ENABLED: 'false' }],
    ['RELAY_POLL_MIN_MS', 'min above max', { ...base, RELAY_POLL_MIN_MS: '2000', RELAY_POLL_MAX_MS: '1000' }],
    ['CONSUMER_BACKOFF_BASE_MS', 'base above max', { ...base, CONSUMER_BACKOFF_BASE_MS: '40000' }],
    ['INBOX_RETENTION_MS', "shorter than the stream's max age", { ...base, INBOX_RETENTION_MS: String(7 * DAY - 1) }],
    ['INBOX_RETENTION_MS', 'shorter than a raised max age', { ...base, STREAM_MAX_AGE_MS: String(30 * DAY) }],
    [
      'CONSUMER_MAX_DELIVERIES',
      'retries outlast the stream',
      { ...base, STREAM_MAX_AGE_MS: String(DAY), INBOX_RETENTION_MS: String(DAY), CONSUMER_MAX_DELIVERIES: '100', CONSUMER_BACKOFF_MAX_MS: '3600000' },
    ],
    ['EMBEDDED_POSTGRES_PORT', 'the HTTP port too', { NATS_URL: base.NATS_URL, PORT: '54329' }],
    ['ADMIN_PORT', 'the public port too', { ...base, PORT: '8080', ADMIN_PORT: '8080' }],
    ['ADMIN_PORT', 'the embedded Postgres port too', { NATS_URL: base.NATS_URL, ADMIN_PORT: '54329' }],
    ['ADMIN_FULL_TOKEN', 'without ADMIN_TOKEN', { ...base, ADMIN_FULL_TOKEN: 'f'.repeat(32) }],
    ['ADMIN_FULL_TOKEN', 'the same as ADMIN_TOKEN', { ...base, ADMIN_TOKEN: 'f'.repeat(32), ADMIN_FULL_TOKEN: 'f'.repeat(32) }],
  ];

  it.each(refused)('refuses %s: %s', (variable, _why, env) => {
    const message = refusal(env);
    expect(message).toMatch(named(variable));
    // That variable alone: the case is refused for the reason it states.
    expect(message.split('\n').filter((line) => line.startsWith('  '))).toHaveLength(1);
  });

  // [why, the environment]
  const accepted: [string, Env][] = [
    ['the defaults with a broker', base],
    ['the defaults in-process', inProcess],
    ['the embedded Postgres, nothing set', {}],
    ['the lowest bounds', { ...base, PORT: '1', DATABASE_POOL_SIZE: '2', RELAY_LEASE_MS: '100', RELAY_POLL_MIN_MS: '1', RELAY_POLL_MAX_MS: '1', CONSUMER_ACK_WAIT_MS: '100' }],
    ['the highest bounds', { ...base, PORT: '65535', DATABASE_POOL_SIZE: '1000', RELAY_BATCH_SIZE: '10000', RELAY_LEASE_MS: '2147483647', CONSUMER_CONCURRENCY: '1000' }],
    ['the timer bound', { ...base, RELAY_POLL_MAX_MS: '2147483647', PRUNE_INTERVAL_MS: '2147483647' }],
    ['a leading zero (still decimal)', { ...base, PORT: '08080' }],
    ['inbox retention equal to the max age', { ...base, INBOX_RETENTION_MS: String(7 * DAY) }],
    ['a short inbox retention in-process (no stream)', { ...inProcess, INBOX_RETENTION_MS: '1' }],
    ['no outbox history (published rows deleted at once)', { ...base, OUTBOX_RETENTION_MS: '0' }],
    ['poll min equal to max', { ...base, RELAY_POLL_MIN_MS: '500', RELAY_POLL_MAX_MS: '500' }],
    ['backoff base equal to max', { ...base, CONSUMER_BACKOFF_BASE_MS: '30000' }],
    ['a relay-less replica with a broker', { ...base, RELAY_ENABLED: 'false' }],
    ['the HTTP port of the embedded Postgres with an external database', { ...base, PORT: '54329' }],
    ['an empty SMTP_URL (unset)', { ...base, SMTP_URL: '' }],
    ['an admin token of 16 characters, a full token, an admin port', { ...base, ADMIN_TOKEN: 'o'.repeat(16), ADMIN_FULL_TOKEN: 'f'.repeat(16), ADMIN_PORT: '9100' }],
    ['an admin port without a token (only /metrics moves there)', { ...base, ADMIN_PORT: '9100' }],
    ['empty admin variables (unset)', { ...base, ADMIN_TOKEN: '', ADMIN_FULL_TOKEN: '', ADMIN_PORT: '' }],
    ['an smtps URL', { ...base, SMTP_URL: 'smtps://user:pass@mail.example.com:465' }],
    ['the test suites\' tuning', { ...base, DATABASE_POOL_SIZE: '6', RELAY_LEASE_MS: '500', CONSUMER_ACK_WAIT_MS: '1000', CONSUMER_BACKOFF_BASE_MS: '20', CONSUMER_BACKOFF_MAX_MS: '200' }],
  ];

  it.each(accepted)('accepts %s', (_why, env) => {
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('reads the numbers as written', () => {
    const config = loadConfig({ ...base, PORT: '08080', RELAY_LEASE_MS: '2147483647', STREAM_MAX_AGE_MS: String(DAY), INBOX_RETENTION_MS: String(DAY) });
    expect(config.port).toBe(8080);
    expect(config.relay.leaseMs).toBe(2_147_483_647);
    expect(config.stream.maxAgeMs).toBe(DAY);
  });

  it('given no admin variables, leaves the operator endpoints off and on the public port', () => {
    expect(loadConfig(base).admin).toEqual({ token: undefined, fullToken: undefined, port: undefined });
    expect(loadConfig({ ...base, ADMIN_TOKEN: 'o'.repeat(20), ADMIN_PORT: '9100' }).admin).toEqual({ token: 'o'.repeat(20), fullToken: undefined, port: 9100 });
  });

  it('never prints a refused token', () => {
    const weak = 'hunter2-secret';
    const message = refusal({ ...base, ADMIN_TOKEN: weak, ADMIN_FULL_TOKEN: `${weak} x` });
    expect(message).toMatch(named('ADMIN_TOKEN'));
    expect(message).toMatch(named('ADMIN_FULL_TOKEN'));
    expect(message).not.toContain('hunter2');
  });

  it('explains why a pool of one cannot work', () => {
    expect(refusal({ ...base, DATABASE_POOL_SIZE: '1' })).toMatch(/DATABASE_POOL_SIZE: .*migration/);
  });

  it('given no stream settings, uses 7 days, a 2 minute duplicate window and one replica', () => {
    expect(loadConfig(base).stream).toEqual({ maxAgeMs: 7 * 24 * 3600 * 1000, duplicateWindowMs: 120_000, replicas: 1 });
    expect(loadConfig({ ...base, STREAM_REPLICAS: '3', STREAM_MAX_AGE_MS: '3600000' }).stream).toMatchObject({
      maxAgeMs: 3_600_000,
      replicas: 3,
    });
  });

  it.each([
    ['STREAM_REPLICAS', { STREAM_REPLICAS: '0' }],
    ['STREAM_REPLICAS', { STREAM_REPLICAS: '6' }],
    ['STREAM_REPLICAS', { STREAM_REPLICAS: 'three' }],
    ['STREAM_MAX_AGE_MS', { STREAM_MAX_AGE_MS: '-1' }],
    ['STREAM_DUPLICATE_WINDOW_MS', { STREAM_DUPLICATE_WINDOW_MS: '1.5' }],
    ['STREAM_DUPLICATE_WINDOW_MS', { STREAM_MAX_AGE_MS: '60000', STREAM_DUPLICATE_WINDOW_MS: '120000' }],
  ])('refuses a bad %s (%j), naming it', (name, env) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(new RegExp(`\\b${name}\\b`));
  });
});

describe('loadConfig: secrets from files, NATS and Postgres credentials and TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-spec-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const missing = join(dir, 'no-such-file');
  const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
  const creds = file(
    'user.creds',
    `-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln\n------END NATS USER JWT------\n\n` +
      `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
  );
  const seedFile = file('user.nk', `${seed}\n`);
  const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('<NAME>_FILE', () => {
    it('given a secret as a file, reads it with its trailing newline trimmed (only that)', () => {
      const config = loadConfig({
        DATABASE_URL_FILE: file('db', 'postgres://shop:s3cret@db:5432/shop\n'),
        NATS_URL_FILE: file('nats', 'nats://shop:pa ss@n1:4222\r\n'),
        SMTP_URL_FILE: file('smtp', 'smtp://mail:25'),
      });
      expect(config.database.url).toBe('postgres://shop:s3cret@db:5432/shop');
      expect(config.nats.auth).toEqual({ user: 'shop', pass: 'pa ss' });
      expect(config.smtpUrl).toBe('smtp://mail:25');
    });

    it('covers every secret of the list, REDIS_URL and ADMIN_TOKEN included, without knowing their schema', () => {
      const { env, issues } = readSecretFiles({ ADMIN_TOKEN_FILE: file('admin', 'tok\n'), REDIS_URL_FILE: file('redis', 'redis://r:6379\n') });
      expect(issues).toEqual([]);
      expect(env).toEqual({ ADMIN_TOKEN: 'tok', REDIS_URL: 'redis://r:6379' });
      for (const name of ['DATABASE_URL', 'DATABASE_URL_PAYMENTS', 'NATS_URL', 'NATS_TOKEN', 'SMTP_URL', 'REDIS_URL', 'ADMIN_TOKEN']) {
        expect(SECRET_VARIABLES).toContain(name);
      }
    });

    it('given both the variable and its file, names both', () => {
      const message = refusal({ ...base, DATABASE_URL_FILE: file('db2', base.DATABASE_URL) });
      expect(message).toMatch(named('DATABASE_URL_FILE'));
      expect(message).toMatch(/set together with DATABASE_URL\b/);
    });

    it('given an unreadable file, names the variable and the path, never a content', () => {
      const message = refusal({ ...inProcess, NATS_TOKEN_FILE: missing, NATS_URL: base.NATS_URL });
      expect(message).toMatch(named('NATS_TOKEN_FILE'));
      expect(message).toContain(`cannot read ${missing} (ENOENT)`);
    });

    it('given a bad value from a file, names the variable and its file, not the value', () => {
      const message = refusal({ DATABASE_URL_FILE: file('db3', 'mysql://shop:s3cret@db/shop') });
      expect(message).toMatch(/^ {2}DATABASE_URL \(from DATABASE_URL_FILE\): not a postgres:\/\/ URL$/m);
      expect(message).not.toContain('s3cret');
    });

    it('treats an empty <NAME>_FILE as unset', () => {
      expect(loadConfig({ ...base, SMTP_URL_FILE: '' }).smtpUrl).toBeUndefined();
    });
  });

  describe('NATS', () => {
    it('splits a comma list, takes user:pass@ out of the URLs and gives the servers without it', () => {
      const config = loadConfig({ ...base, NATS_URL: 'nats://shop:p%40ss@n1:4222, nats://shop:p%40ss@n2:4222,n3' });
      expect(config.nats.servers).toEqual(['nats://n1:4222', 'nats://n2:4222', 'nats://n3']);
      expect(config.nats.auth).toEqual({ user: 'shop', pass: 'p@ss' });
      expect(config.nats.tls).toBeUndefined();
    });

    it('reads nats://token@host as a token, and tls:// as TLS required', () => {
      const config = loadConfig({ ...base, NATS_URL: 'tls://t0ken@n1:4222,tls://n2:4222' });
      expect(config.nats.auth).toEqual({ token: 't0ken' });
      expect(config.nats.tls).toEqual({});
    });

    it('takes NATS_TOKEN, NATS_CREDS_FILE, NATS_NKEY_SEED_FILE and the TLS files', () => {
      expect(loadConfig({ ...base, NATS_TOKEN: 't' }).nats.auth).toEqual({ token: 't' });
      expect(loadConfig({ ...base, NATS_CREDS_FILE: creds }).nats.auth).toEqual({ credsFile: creds });
      expect(loadConfig({ ...base, NATS_NKEY_SEED_FILE: seedFile }).nats.auth).toEqual({ nkeySeedFile: seedFile });
      const tls = loadConfig({ ...base, NATS_TLS_CA_FILE: ca, NATS_TLS_CERT_FILE: ca, NATS_TLS_KEY_FILE: ca }).nats.tls;
      expect(tls).toEqual({ caFile: ca, certFile: ca, keyFile: ca });
    });

    const secretUrl = 'nats://shop:s3cret@n1:4222';
    it.each<[string, string, Env]>([
      ['NATS_URL', 'an http:// entry', { ...base, NATS_URL: `${secretUrl},http://shop:s3cret@n2:4222` }],
      ['NATS_URL', 'a path', { ...base, NATS_URL: 'nats://shop:s3cret@n1:4222/x' }],
      ['NATS_URL', 'tls:// and nats:// mixed', { ...base, NATS_URL: 'tls://n1:4222,nats://n2:4222' }],
      ['NATS_URL', 'two identities', { ...base, NATS_URL: `${secretUrl},nats://other:s3cret@n2:4222` }],
      ['NATS_URL', 'URL credentials and NATS_TOKEN', { ...base, NATS_URL: secretUrl, NATS_TOKEN: 's3cret' }],
      ['NATS_URL', 'a token and a creds file', { ...base, NATS_TOKEN: 's3cret', NATS_CREDS_FILE: creds }],
      ['NATS_CREDS_FILE', 'a missing file', { ...base, NATS_CREDS_FILE: missing }],
      ['NATS_CREDS_FILE', 'not a creds file', { ...base, NATS_CREDS_FILE: ca }],
      ['NATS_NKEY_SEED_FILE', 'not a seed', { ...base, NATS_NKEY_SEED_FILE: ca }],
      ['NATS_TLS_CA_FILE', 'a missing CA', { ...base, NATS_TLS_CA_FILE: missing }],
      ['NATS_TLS_CA_FILE', 'a directory', { ...base, NATS_TLS_CA_FILE: dir }],
      ['NATS_TLS_KEY_FILE', 'a certificate without its key', { ...base, NATS_TLS_CERT_FILE: ca }],
      ['NATS_TOKEN', 'a token and no NATS_URL', { ...inProcess, NATS_TOKEN: 's3cret' }],
    ])('refuses %s: %s, without printing a secret', (variable, _why, env) => {
      const message = refusal(env);
      expect(message).toMatch(named(variable));
      expect(message.split('\n').filter((line) => line.startsWith('  '))).toHaveLength(1);
      expect(message).not.toContain('s3cret');
    });
  });

  describe('Postgres TLS', () => {
    it('accepts sslmode, a readable sslrootcert and DATABASE_CA_FILE', () => {
      expect(() => loadConfig({ ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=verify-full&sslrootcert=${ca}` })).not.toThrow();
      expect(loadConfig({ ...base, DATABASE_CA_FILE: ca }).database.caFile).toBe(ca);
      expect(() => loadConfig({ ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=verify-ca`, DATABASE_CA_FILE: ca })).not.toThrow();
    });

    it.each<[string, string, Env]>([
      ['DATABASE_URL', 'sslmode=prefer (could fall back to plain text)', { ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=prefer` }],
      ['DATABASE_URL_ORDERS', 'an unreadable sslrootcert', { ...base, DATABASE_URL_ORDERS: `${base.DATABASE_URL}?sslmode=verify-full&sslrootcert=${missing}` }],
      ['DATABASE_URL', 'verify-ca without a CA of its own', { ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=verify-ca` }],
      ['DATABASE_CA_FILE', 'a missing CA', { ...base, DATABASE_CA_FILE: missing }],
      ['DATABASE_CA_FILE', 'a CA for the embedded Postgres', { NATS_URL: base.NATS_URL, DATABASE_CA_FILE: ca }],
    ])('refuses %s: %s', (variable, _why, env) => {
      const message = refusal(env);
      expect(message).toMatch(named(variable));
      expect(message.split('\n').filter((line) => line.startsWith('  '))).toHaveLength(1);
    });
  });
});

describe('loadConfig: the HTTP edge (proxies, rate-limit store, probes)', () => {
  it('TRUST_PROXY: off, a hop count, or trusted proxy addresses (Fastify forms)', () => {
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('TRUST_PROXY=true is refused, saying what to write instead', () => {
    expect(refusal({ ...base, TRUST_PROXY: 'true' })).toMatch(
      /^ {2}TRUST_PROXY: "true" trusts whatever X-Forwarded-For a client sends; write the number of proxies .*\(1\) or their addresses\/CIDRs/m,
    );
  });

  it.each([
    ['every IPv4 address', '0.0.0.0/0', /trusts every address/],
    ['every IPv6 address', '::/0', /trusts every address/],
    ['a hop count past 10', '11', /not a hop count from 1 to 10/],
    ['a host name', 'proxy.internal', /not an IP address/],
    ['a prefix too long', '10.0.0.0/33', /prefix that is not 0–32/],
    ['an empty entry', '10.0.0.1,,10.0.0.2', /empty entry/],
    ['empty', '', /empty entry/],
  ])('TRUST_PROXY refuses %s', (_why, value, message) => {
    const refused = refusal({ ...base, TRUST_PROXY: value });
    expect(refused).toMatch(named('TRUST_PROXY'));
    expect(refused).toMatch(message);
  });

  // ADVERSARY (issue 9): ranges that together trust every client, so a spoofed X-Forwarded-For
  // gets a fresh rate-limit bucket per request. Fastify's proxy-addr matches every IPv4 client
  // against an IPv4-mapped IPv6 range (`::ffff:0.0.0.0/96` is IPv4's /0), and two halves are a whole.
  it.each([
    ['every IPv4 address, written as IPv4-mapped IPv6', '::ffff:0.0.0.0/96'],
    ['every IPv4 address, written as IPv4-mapped IPv6 in hex', '::ffff:0:0/96'],
    ['every IPv4 address, in two halves', '0.0.0.0/1,128.0.0.0/1'],
    ['every IPv4 address, a half of it mapped', '0.0.0.0/1,::ffff:128.0.0.0/97'],
    ['every IPv6 address, in two halves', '::/1,8000::/1'],
  ])('TRUST_PROXY refuses %s (%s): together they trust every client', (_why, value) => {
    const refused = refusal({ ...base, TRUST_PROXY: value });
    expect(refused).toMatch(named('TRUST_PROXY'));
    expect(refused).toMatch(/trusts? every address/);
  });

  it('TRUST_PROXY still takes mapped and halved ranges that leave clients out', () => {
    expect(loadConfig({ ...base, TRUST_PROXY: '::ffff:10.0.0.0/104,0.0.0.0/1' }).trustProxy).toEqual(['::ffff:10.0.0.0/104', '0.0.0.0/1']);
  });

  it('REDIS_URL: unset or empty is per process; redis:// and rediss:// are taken', () => {
    expect(loadConfig(base).redisUrl).toBeUndefined();
    expect(loadConfig({ ...base, REDIS_URL: '' }).redisUrl).toBeUndefined();
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379/2' }).redisUrl).toBe('redis://127.0.0.1:6379/2');
    expect(loadConfig({ ...base, REDIS_URL: 'rediss://:pw@cache:6380' }).redisUrl).toBe('rediss://:pw@cache:6380');
    expect(refusal({ ...base, REDIS_URL: 'http://cache:6379' })).toMatch(/^ {2}REDIS_URL: not a redis:\/\/ or rediss:\/\/ URL/m);
  });

  it('RATE_LIMIT_PROBES_PER_MINUTE: 600 by default, never below two probes a second', () => {
    expect(loadConfig(base).probeRateLimitPerMinute).toBe(600);
    expect(loadConfig({ ...base, RATE_LIMIT_PROBES_PER_MINUTE: '120' }).probeRateLimitPerMinute).toBe(120);
    expect(refusal({ ...base, RATE_LIMIT_PROBES_PER_MINUTE: '119' })).toMatch(/^ {2}RATE_LIMIT_PROBES_PER_MINUTE: "119" is not a decimal integer from 120/m);
  });
});

// Adversary review (issue 9, items 5 and 6): inputs an operator can really hand the process.
describe('loadConfig: hostile secret values and files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-hostile-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each<[string, Env]>([
    ['NATS_URL', { ...base, NATS_URL: 'nats://shop:s3cret%zz@n1:4222' }],
    ['NATS_URL', { ...base, NATS_URL: 'nats://n1:4222,nats://s3cret%E0%A4%A@n2:4222' }],
    ['DATABASE_URL', { ...base, DATABASE_URL: 'postgres://shop:s3cret%zz@db:5432/shop' }],
    ['DATABASE_URL_PAYMENTS', { ...base, DATABASE_URL_PAYMENTS: 'postgres://sh%zzop:s3cret@db:5432/shop' }],
  ])('a %s whose user-info is not valid percent-encoding is one config error, not a URIError at boot', (variable, env) => {
    const message = refusal(env);
    expect(message).toMatch(named(variable));
    expect(message).toMatch(/percent-encod/);
    expect(message).not.toContain('s3cret');
  });

  it('reads ADMIN_FULL_TOKEN from ADMIN_FULL_TOKEN_FILE like the other secrets (not silently ignored)', () => {
    const config = loadConfig({ ...base, ADMIN_TOKEN: 'operator-token-0123456789', ADMIN_FULL_TOKEN_FILE: file('full', 'full-scope-token-0123456789\n') });
    expect(config.admin.fullToken).toBe('full-scope-token-0123456789');
  });

  it('drops a byte-order mark a Windows editor left at the start of a secret file', () => {
    const config = loadConfig({ ...base, NATS_TOKEN_FILE: file('bom-token', '\uFEFFs3cret-t0ken\r\n') });
    expect(config.nats.auth).toEqual({ token: 's3cret-t0ken' });
  });

  it.each(['sslmode', 'sslrootcert'])('refuses a Postgres URL that repeats %s (libpq takes the last, the pool took the first)', (param) => {
    const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\n');
    const twice = param === 'sslmode' ? 'sslmode=disable&sslmode=verify-full' : `sslmode=verify-full&sslrootcert=${ca}&sslrootcert=system`;
    const message = refusal({ ...base, DATABASE_URL: `${base.DATABASE_URL}?${twice}` });
    expect(message).toMatch(named('DATABASE_URL'));
    expect(message).toContain(`${param} is given more than once`);
  });
});
