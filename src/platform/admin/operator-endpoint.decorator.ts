import { applyDecorators, createParamDecorator, ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminScope } from './admin-credentials';
import { ADMIN_SCOPE, AdminGuard, AdminRequest } from './admin.guard';
import { ServedOn } from './served-on';

/**
 * An operator endpoint, in one line: the admin bearer credential is required, and with ADMIN_PORT
 * set it is served there only (the public port answers 404 as for a path that does not exist).
 */
export const OperatorEndpoint = () =>
  applyDecorators(
    ServedOn('admin'),
    UseGuards(AdminGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'no or a wrong `Authorization: Bearer <ADMIN_TOKEN>`' }),
    ApiForbiddenResponse({ description: 'ADMIN_TOKEN is not set (the endpoint is off), or the scope is too narrow' }),
  );

/** The scope the admin credential granted (on an @OperatorEndpoint only). */
export const GrantedScope = createParamDecorator(
  (_: unknown, context: ExecutionContext): AdminScope => context.switchToHttp().getRequest<AdminRequest>()[ADMIN_SCOPE] ?? 'operate',
);
