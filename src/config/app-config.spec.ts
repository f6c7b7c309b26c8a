import { ConfigError, databaseUrlFor, loadConfig } from './app-config';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/shop', NATS_URL: 'nats://127.0.0.1:4222' };

describe('loadConfig', () => {
  it('given the minimum, fills every default', () => {
    const config = loadConfig(base);
    expect(config.modules).toEqual(['orders', 'inventory', 'payments', 'notifications']);
    expect(config.port).toBe(3000);
    expect(config.relay).toEqual({
      enabled: true,
      batchSize: 500,
      leaseMs: 1500,
      pollMinMs: 20,
      pollMaxMs: 1000,
      maxAttempts: 10,
    });
  });

  it('given several bad variables, names every one in a single error', () => {
    const attempt = () => loadConfig({ DATABASE_URL: 'mysql://x', NATS_URL: 'nats://x', PORT: 'abc', APP_MODULES: 'orders,shipping' });
    expect(attempt).toThrow(ConfigError);
    for (const name of ['DATABASE_URL', 'PORT', 'APP_MODULES']) expect(attempt).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it('given a module database URL, uses it for that module only', () => {
    const config = loadConfig({ ...base, DATABASE_URL_PAYMENTS: 'postgres://postgres@127.0.0.1:5432/payments' });
    expect(databaseUrlFor(config, 'payments')).toMatch(/\/payments$/);
    expect(databaseUrlFor(config, 'orders')).toMatch(/\/shop$/);
  });

  it('given no NATS_URL and every module, selects the in-process transport; for a split deployment, refuses', () => {
    expect(loadConfig({ DATABASE_URL: base.DATABASE_URL }).nats.url).toBeUndefined();
    expect(() => loadConfig({ APP_MODULES: 'payments' })).toThrow(/NATS_URL: required when APP_MODULES \(payments\)/);
  });

  it('given no DATABASE_URL, leaves it to the embedded Postgres', () => {
    expect(loadConfig({}).database).toMatchObject({ url: undefined, embedded: { dir: './.data', port: 54329 } });
  });

  it('parses booleans strictly', () => {
    expect(loadConfig({ ...base, RELAY_ENABLED: 'false' }).relay.enabled).toBe(false);
    expect(() => loadConfig({ ...base, RELAY_ENABLED: 'nope' })).toThrow(/RELAY_ENABLED/);
  });
});
