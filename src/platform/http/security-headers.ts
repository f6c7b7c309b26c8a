import { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';

/**
 * helmet's headers on every answer (errors and 404s included). Its default CSP already lets the
 * Swagger UI at /docs render: scripts are same-origin files, styles inline, icons data: URIs.
 * `upgrade-insecure-requests` is dropped: on plain HTTP behind no TLS it would send /docs's own
 * assets to an https:// that does not exist.
 *
 * helmet itself, built once, in one onRequest hook: @fastify/helmet builds it again for every
 * request (parsing the CSP each time) in two hooks, one of them async.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  const headers = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => headers(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
}
