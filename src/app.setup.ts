import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { JetStreamServer } from './platform/messaging/jetstream.server';
import { RethrowRpcExceptionFilter } from './platform/messaging/rethrow-rpc-exception.filter';

export const BODY_LIMIT_BYTES = 64 * 1024;

export const httpAdapter = () => new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });

/**
 * Wires an application the same way in main.ts and in the tests: logger, the JetStream
 * listener, shutdown hooks. Call before `init`/`listen`.
 */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  const microservice = app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: false });
  microservice.useGlobalFilters(new RethrowRpcExceptionFilter());
  await app.startAllMicroservices();
  return app;
}
