import { ValidationPipe } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { TrustProxy } from './config/trust-proxy';
import { ExceptionsFilter, toErrorBody } from './platform/http/exceptions.filter';
import { BODY_LIMIT_BYTES, boundedJsonParser } from './platform/http/json-body-parser';
import { registerSecurityHeaders } from './platform/http/security-headers';
import { HttpLoad } from './platform/http/http-load';
import { registerRequestContext } from './platform/http/request-context.hook';
import { TRANSPORT_SERVER } from './platform/messaging/messaging.module';

/**
 * Fastify as the API needs it: bodies up to 64 kB, the proxies TRUST_PROXY names, and its own
 * early refusals (a URL it cannot decode) in the API's error shape.
 */
export const httpAdapter = (trustProxy: TrustProxy = false) =>
  new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy,
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const body = toErrorBody(error);
      void reply.status(body.statusCode).send(body);
    },
  });

/**
 * Wires an application the same way in main.ts and in the tests: logger, validation, errors,
 * OpenAPI at /docs, the transport's listener. Call before `init`/`listen`.
 */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  app.useLogger(app.get(Logger));
  await registerSecurityHeaders(app);
  // JSON only: any other content type is refused (400, see ExceptionsFilter) (Fastify would also take text/plain, Nest url-encoded forms).
  app.getHttpAdapter().getInstance().removeAllContentTypeParsers();
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT_BYTES }, boundedJsonParser(app.getHttpAdapter().getInstance()));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
    }),
  );
  // Consumers give way while requests are answered (ConsumerSlots); every request counts, answered or failed.
  const load = app.get(HttpLoad, { strict: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    // Let go when its response closes, or its connection does: a client gone after sending a whole
    // body gets neither onResponse nor onRequestAbort, and a pipelined request's response never closes.
    const socket = request.raw.socket;
    const letGo = () => {
      socket.off('close', letGo);
      load.leave(request);
    };
    reply.raw.once('close', letGo);
    socket.once('close', letGo);
    // Gone while an earlier (async) onRequest hook ran: no 'close' will come any more.
    if (socket.destroyed || reply.raw.destroyed) letGo();
    done();
  });
  // Counted once its body is in: a client trickling a body (Fastify sets no request timeout) is not being answered.
  fastify.addHook('preHandler', (request, _reply, done) => {
    load.enter(request, request.url);
    done();
  });
  registerRequestContext(fastify);
  app.useGlobalFilters(new ExceptionsFilter());
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
