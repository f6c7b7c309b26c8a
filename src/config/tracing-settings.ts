/** What the tracing bootstrap needs; every other OTEL_* variable is read by the SDK itself. */
export interface TracingSettings {
  serviceName: string;
}

const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * Traces are on when an OTLP endpoint is set (a URL), unless OTEL_SDK_DISABLED or
 * OTEL_TRACES_EXPORTER=none say otherwise. Read before anything else loads (src/tracing.ts), so
 * it cannot wait for the validated config; a malformed endpoint is refused there, by env-schema.
 */
export function tracingSettings(env: Record<string, string | undefined>): TracingSettings | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || !/^https?:\/\//i.test(endpoint) || !URL.canParse(endpoint)) return undefined;
  if (/^(true|1)$/i.test(env.OTEL_SDK_DISABLED?.trim() ?? '')) return undefined;
  if (list(env.OTEL_TRACES_EXPORTER).includes('none')) return undefined;
  const modules = list(env.APP_MODULES);
  return { serviceName: env.OTEL_SERVICE_NAME?.trim() || (modules.length ? `shop-${modules.join('+')}` : 'shop') };
}
