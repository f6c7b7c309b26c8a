import { RouteConfig } from '@nestjs/platform-fastify';

/** `admin`: only on ADMIN_PORT when it is set; `both`: on either port. Unmarked routes are public only. */
export type Exposure = 'admin' | 'both';

export const SERVED_ON = 'servedOn';

/** Marks where a route is served once ADMIN_PORT splits the operator surface from the public one. */
export const ServedOn = (where: Exposure) => RouteConfig({ [SERVED_ON]: where });
