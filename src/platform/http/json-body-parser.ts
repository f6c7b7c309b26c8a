import { Logger } from '@nestjs/common';
import { FastifyInstance, FastifyRequest } from 'fastify';

export const BODY_LIMIT_BYTES = 64 * 1024;
/** No request of the API nests past 4 levels; 32 leaves room and stops recursion bombs in validation. */
export const MAX_JSON_DEPTH = 32;

/** Whether `{`/`[` open past `max` levels anywhere outside strings: one pass, no recursion, before JSON.parse. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

type Done = (error: Error | null, body?: unknown) => void;

/**
 * application/json, bounded at parse time: over BODY_LIMIT_BYTES is 413 (Fastify), nested past
 * MAX_JSON_DEPTH is 400 and one warning (method, path, client; no headers), then Fastify's own
 * parser with prototype poisoning refused (`__proto__`, `constructor.prototype`: 400); anything
 * but an object (`null`, an array, a string) is 400.
 */
export function boundedJsonParser(fastify: FastifyInstance) {
  const logger = new Logger('HttpBody');
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request: FastifyRequest, body: Buffer, done: Done) => {
    const text = body.toString('utf8');
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      logger.warn(`${request.method} ${request.url.slice(0, 200)} from ${request.ip}: JSON nested deeper than ${MAX_JSON_DEPTH} levels, refused`);
      done(Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400 }));
      return;
    }
    parse(request, text, (error, parsed) => {
      // Every request body of the API is an object; `null` would reach handlers as "no body".
      if (!error && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) {
        done(Object.assign(new Error('the body must be a JSON object'), { statusCode: 400 }));
        return;
      }
      done(error, parsed);
    });
  };
}
