// First: the instrumentations must patch http, fastify, Nest and pg before anything requires them.
import { tracing } from './tracing';
import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { checkPostgres } from './platform/database/postgres-preflight';
import { configureApp, httpAdapter } from './app.setup';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { AdminServer } from './platform/admin/admin-server';
import { EmbeddedDatabase, startEmbeddedPostgres } from './platform/database/embedded-postgres';
import { redactUrls } from './platform/redact-url';
import { StartupError } from './platform/startup-error';

async function bootstrap(): Promise<void> {
  const loaded = loadConfig(process.env);
  const embedded = loaded.database.url
    ? undefined
    : await startEmbeddedPostgres(loaded.database.embedded.dir, loaded.database.embedded.port);
  const config: AppConfig = { ...loaded, database: { ...loaded.database, url: loaded.database.url ?? embedded!.url } };
  await checkPostgres(config).catch(async (error) => {
    await embedded?.stop();
    throw error;
  });

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), httpAdapter(config.trustProxy), {
    bufferLogs: true,
  });
  await configureApp(app);
  await app.listen(config.port, '0.0.0.0');
  // ADMIN_PORT: the operator endpoints and /metrics there, and no longer on PORT.
  const adminPort = await app.get(AdminServer).listen('0.0.0.0');
  new NestLogger('Bootstrap').log(
    `modules ${config.modules.join(', ')}; database ${embedded ? 'embedded Postgres' : redactUrls(config.database.url!)}; ` +
      `transport ${config.nats.url ? `NATS JetStream at ${config.nats.servers.join(',')}` : 'in-process (no broker)'}; port ${config.port}` +
      `${adminPort ? `; admin port ${adminPort}` : ''}; operator endpoints ${config.admin.token ? 'on' : 'off (ADMIN_TOKEN unset)'}` +
      `; traces ${tracing ? 'on (OTLP)' : 'off'}`,
  );
  handleSignals(app, embedded);
}

/** SIGTERM/SIGINT: Nest closes (HTTP, listeners, relays, connections), then the embedded Postgres stops. */
function handleSignals(app: NestFastifyApplication, embedded?: EmbeddedDatabase): void {
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    new NestLogger('Bootstrap').log(`${signal}: shutting down`);
    await app.close();
    await tracing?.stop().catch(() => undefined);
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** What the operator can fix is one message; anything else keeps its stack, without the credentials it may quote. */
bootstrap().catch((error) => {
  const known = error instanceof ConfigError || error instanceof StartupError;
  console.error(known ? error.message : redactUrls((error as Error)?.stack ?? String(error)));
  process.exit(1);
});
