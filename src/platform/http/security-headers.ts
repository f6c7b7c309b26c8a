import helmet from '@fastify/helmet';
import { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * helmet's headers on every answer (errors and 404s included). Its default CSP already lets the
 * Swagger UI at /docs render: scripts are same-origin files, styles inline, icons data: URIs.
 * `upgrade-insecure-requests` is dropped: on plain HTTP behind no TLS it would send /docs's own
 * assets to an https:// that does not exist.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
}
