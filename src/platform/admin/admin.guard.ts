import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AdminCredentials, AdminScope } from './admin-credentials';

/** Where the guard leaves the granted scope for the handler (@GrantedScope). */
export const ADMIN_SCOPE = Symbol('ADMIN_SCOPE');

export type AdminRequest = FastifyRequest & { [ADMIN_SCOPE]?: AdminScope };

/**
 * Lets an operator endpoint run only for a valid ADMIN_TOKEN (or ADMIN_FULL_TOKEN) bearer. With
 * no ADMIN_TOKEN configured the endpoints are off: refused for everyone, never open.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly credentials: AdminCredentials;
  private readonly logger = new Logger('AdminGuard');

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.credentials = new AdminCredentials(config.admin);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (!this.credentials.enabled) {
      throw new ForbiddenException({ message: 'the operator endpoints are off: ADMIN_TOKEN is not set', code: 'ADMIN_DISABLED' });
    }
    const result = this.credentials.authenticate(request.headers.authorization);
    if ('granted' in result) {
      request[ADMIN_SCOPE] = result.granted;
      return true;
    }
    // RFC 6750: say which scheme is expected, and whether the token itself was wrong.
    const challenge = result.refused === 'invalid' ? 'Bearer realm="operator", error="invalid_token"' : 'Bearer realm="operator"';
    context.switchToHttp().getResponse<FastifyReply>().header('www-authenticate', challenge);
    this.logger.warn(`refused ${request.method} ${request.routeOptions.url ?? request.url} from ${request.ip}: ${result.refused} credential`);
    throw new UnauthorizedException(
      result.refused === 'invalid' ? 'the admin credential is not valid' : 'an operator endpoint: send Authorization: Bearer <ADMIN_TOKEN>',
    );
  }
}
