import { tracingSettings } from './tracing-settings';

describe('tracingSettings', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' };

  it('is off without an endpoint, with an empty one, or with one that is no http(s) URL', () => {
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: 'x' })).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' })).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://' })).toBeUndefined();
  });

  it('is on with the general or the traces endpoint', () => {
    expect(tracingSettings(endpoint)).toEqual({ serviceName: 'shop' });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/v1/traces' })).toEqual({ serviceName: 'shop' });
  });

  it('stays off when the SDK is disabled or the traces exporter is none', () => {
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toBeUndefined();
    expect(tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toEqual({ serviceName: 'shop' });
  });

  it('names the service after OTEL_SERVICE_NAME, else after the modules the process runs', () => {
    expect(tracingSettings({ ...endpoint, OTEL_SERVICE_NAME: 'checkout' })).toEqual({ serviceName: 'checkout' });
    expect(tracingSettings({ ...endpoint, APP_MODULES: 'orders, inventory' })).toEqual({ serviceName: 'shop-orders+inventory' });
    expect(tracingSettings({ ...endpoint, APP_MODULES: 'payments' })).toEqual({ serviceName: 'shop-payments' });
  });
});
