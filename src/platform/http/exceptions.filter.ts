import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { throwError } from 'rxjs';
import { DomainError } from '../domain-error';

const DOMAIN_STATUS: Record<DomainError['kind'], number> = {
  'not-found': HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  rejected: HttpStatus.UNPROCESSABLE_ENTITY,
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
}

/**
 * Every error in one place. HTTP: one JSON shape `{ statusCode, error, message, code? }`.
 * RPC (listeners): the original error goes back to the transport, which decides retry or
 * dead-letter (Nest's default would replace it with "Internal server error").
 */
@Catch()
export class ExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() === 'rpc') return throwError(() => exception);
    const body = toErrorBody(exception);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE) {
      // Overload or a database away: the client may retry (with its Idempotency-Key for an order).
      this.logger.warn(`answered 503: ${exception instanceof Error ? exception.message : String(exception)}`);
      reply.header('retry-after', '1');
    } else if (body.statusCode >= 500) {
      this.logger.error(exception instanceof Error ? exception.stack : exception);
    }
    return reply.status(body.statusCode).send(body);
  }
}

export function toErrorBody(exception: unknown): ErrorBody {
  const body = describeError(exception);
  // The API answers a body it cannot read with 400 (ARCHITECTURE §7, stable): JSON is all it reads.
  return body.statusCode === 415 ? { statusCode: 400, error: 'Bad Request', message: 'the body must be application/json' } : body;
}

function describeError(exception: unknown): ErrorBody {
  if (exception instanceof DomainError) {
    const statusCode = DOMAIN_STATUS[exception.kind];
    return { statusCode, error: STATUS_CODES[statusCode]!, message: exception.message, code: exception.code };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw ?? exception.message);
    const code = typeof response === 'object' ? (response as { code?: string }).code : undefined;
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(code ? { code } : {}) };
  }
  const fastify = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    // Fastify's own errors (body too large, bad JSON) keep their 4xx status.
    const statusCode = fastify.statusCode;
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message: fastify.message ?? 'Bad request' };
  }
  if (/^22/.test((exception as { code?: string })?.code ?? '') && (exception as Error).name === 'QueryFailedError') {
    // Postgres "data exception" (a NUL byte in text, a number out of range): the input's fault.
    return { statusCode: 400, error: 'Bad Request', message: 'the request holds a value the store cannot keep' };
  }
  if (isUnavailable(exception)) {
    return { statusCode: 503, error: 'Service Unavailable', message: 'the service is busy or its database is away; retry shortly' };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

/**
 * Not the request's fault and not a bug: no pooled connection came within the pool's wait (a burst
 * past capacity), or Postgres refused or dropped the connection (class 53: out of resources;
 * 57P: shut down; 08: connection failure).
 */
function isUnavailable(exception: unknown): boolean {
  const { code, message } = (exception ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^(53|57P|08)/.test(code)) return true;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return true;
  return typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated due to connection timeout/.test(message);
}
