import { tracingSettings } from './config/tracing-settings';
import type { Tracing } from './platform/observability/tracing/start-tracing';

/**
 * OpenTelemetry traces, loaded by main.ts before anything else so the instrumentations patch
 * http, fastify, Nest and pg before those are required. Without an OTLP endpoint the SDK is
 * never required (no cost): only the no-op `@opentelemetry/api` is there.
 */
const settings = tracingSettings(process.env);

export const tracing: Tracing | undefined = settings
  ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy, synchronous load: it must run before the next import
    (require('./platform/observability/tracing/start-tracing') as typeof import('./platform/observability/tracing/start-tracing')).startTracing(settings)
  : undefined;
