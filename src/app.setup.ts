import { ValidationPipe } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ExceptionsFilter } from './platform/http/exceptions.filter';
import { RequestContextInterceptor } from './platform/http/request-context.interceptor';
import { TRANSPORT_SERVER } from './platform/messaging/messaging.module';

export const BODY_LIMIT_BYTES = 64 * 1024;

export const httpAdapter = (trustProxy = false) => new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy });

/**
 * Wires an application the same way in main.ts and in the tests: logger, validation, errors,
 * OpenAPI at /docs, the transport's listener. Call before `init`/`listen`.
 */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
    }),
  );
  app.useGlobalFilters(new ExceptionsFilter());
  app.useGlobalInterceptors(new RequestContextInterceptor());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Shop').setDescription('Modular monolith with a transactional outbox').setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
  // inheritAppConfig: listeners get the same filter, which hands their errors back untouched.
  app.connectMicroservice({ strategy: app.get(TRANSPORT_SERVER) }, { inheritAppConfig: true });
  // The command handlers register at bootstrap: no message may arrive before they can take it.
  await app.init();
  await app.startAllMicroservices();
  return app;
}
