import { BeforeApplicationShutdown, Inject, Injectable, NotFoundException, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { toErrorBody } from '../http/exceptions.filter';
import { Exposure, SERVED_ON } from './served-on';

/** Requests that came in on ADMIN_PORT (the socket is the only thing a client cannot forge). */
const onAdminPort = new WeakSet<IncomingMessage>();

/**
 * ADMIN_PORT: a second HTTP server feeding the same Fastify instance (same routes, hooks, guards,
 * filters), so the operator endpoints and /metrics never need a second application. One
 * onRequest hook keeps each port to its own routes; the other side answers exactly as for a
 * path that does not exist. Without ADMIN_PORT this does nothing.
 */
@Injectable()
export class AdminServer implements OnModuleInit, BeforeApplicationShutdown {
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    if (this.config.admin.port === undefined) return;
    this.fastify().addHook('onRequest', async (request, reply) => {
      const where = (request.routeOptions.config as { [SERVED_ON]?: Exposure } | undefined)?.[SERVED_ON];
      const admin = onAdminPort.has(request.raw);
      if (where === 'both' || (where === 'admin') === admin) return;
      return notFound(request, reply);
    });
  }

  /** Listens on ADMIN_PORT (main.ts, and tests that want the port); resolves with the port, or undefined when unset. */
  async listen(host = '0.0.0.0'): Promise<number | undefined> {
    if (this.config.admin.port === undefined) return undefined;
    if (this.server) return (this.server.address() as AddressInfo).port;
    const fastify = this.fastify();
    const server = createServer((req, res) => {
      onAdminPort.add(req);
      fastify.routing(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.admin.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private fastify(): FastifyInstance {
    return this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
  }
}

/** The answer Nest gives a path with no route, word for word. */
function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send(toErrorBody(new NotFoundException(`Cannot ${request.method} ${request.raw.url}`)));
}
