import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { TracingSettings } from '../../../config/tracing-settings';
import { carriesInlinedValues, withoutInlinedValues } from '../../database/inline-params';
import { tracingSwitch } from './tracing-switch';

export interface Tracing {
  /** Flushes the spans still buffered; called at shutdown. */
  stop(): Promise<void>;
}

/** Probes and scrapes every few seconds would bury the orders. */
const UNTRACED_PATHS = new Set(['/health', '/metrics']);
const untraced = (url: string | undefined) => UNTRACED_PATHS.has((url ?? '').split('?')[0]);
/**
 * The last flush at shutdown waits for the collector at most this long: one down or slow would
 * otherwise hold the exit for the exporter's timeouts (10 s and more), past a container's grace.
 */
const FLUSH_LIMIT_MS = 3_000;

/**
 * The SDK, configured by the standard OTEL_* variables (endpoint, protocol, sampler, batch
 * delays, resource attributes). Traces only: metrics stay on Prometheus (/metrics), logs on stdout.
 */
export function startTracing({ serviceName }: TracingSettings): Tracing {
  const sdk = new NodeSDK({
    serviceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => untraced(request.url) }),
      // The route's span, without one per hook (helmet, static, middie) on every request.
      new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false, ignorePaths: ({ url }) => untraced(url) }),
      new NestInstrumentation(),
      // A query outside any traced work (relay polls, workers' claims) would be a trace of its own.
      new PgInstrumentation({
        requireParentSpan: true,
        // A statement with BEGIN or COMMIT, or an EXECUTE, carries its values as literals: the trace gets them masked, as `$n` kept them out before.
        requestHook: (span, { query }) => {
          if (carriesInlinedValues(query.text)) span.setAttribute('db.query.text', withoutInlinedValues(query.text));
        },
      }),
    ],
  });
  sdk.start();
  tracingSwitch.turnOn();
  return {
    stop: () => {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((done) => (timer = setTimeout(done, FLUSH_LIMIT_MS).unref()));
      return Promise.race([sdk.shutdown(), limit]).finally(() => clearTimeout(timer));
    },
  };
}
