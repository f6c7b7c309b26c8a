import type { Options } from 'pino-http';

/**
 * What a log line may tell about the request it was written in: never its headers (a bearer
 * token, a cookie). The serializer leaves headers out; `redact` catches them wherever else a
 * request or its headers are logged.
 */
export const httpLogOptions: Pick<Options, 'serializers' | 'redact'> = {
  serializers: {
    req: (req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({
      id: req.id,
      method: req.method,
      url: req.url,
      remoteAddress: req.remoteAddress,
    }),
  },
  redact: {
    paths: [
      'req.headers.authorization',
      'req.headers.cookie',
      'req.headers["proxy-authorization"]',
      'req.headers["x-api-key"]',
      'res.headers["set-cookie"]',
      'headers.authorization',
      'headers.cookie',
    ],
    censor: '[redacted]',
  },
};
