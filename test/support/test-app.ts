import { DynamicModule, Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { configureApp, httpAdapter } from '../../src/app.setup';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { NATS_URL } from './test-broker';

export type TestEnv = Record<string, string | undefined>;

/** The test defaults: quiet logs, quick polls; each suite adds its own database and namespace. */
export function testConfig(env: TestEnv): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NATS_URL,
    DATABASE_POOL_SIZE: '8',
    RELAY_POLL_MAX_MS: '200',
    // Load tests send thousands of requests from one address.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...env,
  });
}

/** Builds the application through Nest's testing module, wired exactly as main.ts wires it. */
export async function startApp(
  root: (config: AppConfig) => DynamicModule | Type,
  env: TestEnv,
): Promise<NestFastifyApplication> {
  const config = testConfig(env);
  const moduleRef = await Test.createTestingModule({ imports: [root(config)] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(httpAdapter(config.trustProxy), { logger: false });
  try {
    await configureApp(app);
  } catch (error) {
    // A boot that fails half way (a refused broker) leaves pools and relays running: close them.
    await app.close().catch(() => undefined);
    throw error;
  }
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
