import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Observable } from 'rxjs';
import { messageContext } from '../messaging/message-context';

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const ID = /^[\w.:-]{1,128}$/;

/**
 * Runs each HTTP request in a message context, so the events it writes carry where they came
 * from: the caller's `X-Correlation-Id` (or the request id), the request id as causation, and
 * the W3C `traceparent` when the caller sent a valid one.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = (name: string, valid: RegExp) => {
      const value = request.headers[name];
      return typeof value === 'string' && valid.test(value) ? value : undefined;
    };
    const requestId = header('x-request-id', ID) ?? randomUUID();
    const ctx = {
      correlationId: header('x-correlation-id', ID) ?? requestId,
      causationId: requestId,
      traceparent: header('traceparent', TRACEPARENT),
    };
    return new Observable((subscriber) => messageContext.run(ctx, () => next.handle().subscribe(subscriber)));
  }
}
