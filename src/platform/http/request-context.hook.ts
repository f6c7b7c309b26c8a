import { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { MessageContext, messageContext } from '../messaging/message-context';

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const ID = /^[\w.:-]{1,128}$/;

/**
 * Where a request's events come from: the caller's `X-Correlation-Id` (or the request id), the
 * request id as causation, and the W3C `traceparent` when the caller sent a valid one.
 */
export function requestContextOf(headers: FastifyRequest['headers']): MessageContext {
  const header = (name: string, valid: RegExp) => {
    const value = headers[name];
    return typeof value === 'string' && valid.test(value) ? value : undefined;
  };
  const requestId = header('x-request-id', ID) ?? randomUUID();
  return {
    correlationId: header('x-correlation-id', ID) ?? requestId,
    causationId: requestId,
    traceparent: header('traceparent', TRACEPARENT),
  };
}

/**
 * Runs each HTTP request's handler in its message context, so the events it writes carry where
 * they came from. A Fastify hook rather than a Nest interceptor: the handler runs from `done`,
 * inside the context, and a route without interceptors skips Nest's per-request RxJS pipeline.
 */
export function registerRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, _reply, done) => messageContext.run(requestContextOf(request.headers), done));
}
