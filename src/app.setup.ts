import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { JetStreamServer } from './platform/messaging/jetstream.server';
import { ExceptionsFilter } from './platform/http/exceptions.filter';

export const BODY_LIMIT_BYTES = 64 * 1024;

export const httpAdapter = () => new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });

/**
 * Wires an application the same way in main.ts and in the tests: logger, the JetStream
 * listener, shutdown hooks. Call before `init`/`listen`.
 */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.useGlobalFilters(new ExceptionsFilter());
  // inheritAppConfig: listeners get the same filter, which hands their errors back untouched.
  app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  return app;
}
