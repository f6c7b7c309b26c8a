import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { tracingSwitch } from '../../src/platform/observability/tracing/tracing-switch';
import { InProcessShop } from '../support/shop/in-process-shop';
import { waitFor } from '../support/wait-for';
import { CONFIRMED_ORDER_HOPS as HOPS } from '../support/saga-hops';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * The in-process transport (no broker) propagates too: the monolith in this test process, with
 * a tracer provider whose spans stay in memory (the HTTP, Nest and pg instrumentations are
 * proven with the built app in traces.e2e-spec; here the event path alone). The caller's
 * traceparent has no server span to continue it, so each hop hangs from the envelope.
 */
describe('OpenTelemetry traces over the in-process transport', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const shop = new InProcessShop('otel_ip', { NATS_URL: '' });

  beforeAll(async () => {
    provider.register();
    tracingSwitch.turnOn();
    await shop.setUp();
  });
  afterAll(async () => {
    await shop.tearDown();
    await provider.shutdown();
    // --runInBand: the suites after this one run in this process, untraced.
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('one order is one trace: each consumer span is the child of the publish span, each outbox write the child of the hop before', async () => {
    await shop.registerProduct('OTEL-IP', 300, 5);
    const placed = await shop.placeOrder([{ sku: 'OTEL-IP', quantity: 1 }], 'tok_visa', { traceparent: CALLER });
    expect((await shop.finalOrder(placed.body.orderId)).status).toBe('CONFIRMED');

    const traceId = CALLER.split('-')[1];
    const groupOf = (s: ReadableSpan) => s.attributes['messaging.consumer.group.name'];
    const spans = (await waitFor('every hop traced', () => {
      const mine = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return HOPS.every((hop) => mine.some((s) => groupOf(s) === hop)) ? mine : undefined;
    }))!;
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => byId.get(s.parentSpanContext?.spanId ?? '');

    for (const consumed of spans.filter((s) => groupOf(s))) {
      const type = String(consumed.attributes['shop.event.type']);
      const published = parentOf(consumed)!;
      expect(published.name).toBe(`publish ${shop.namespace}.${type}`);
      expect(published.attributes['messaging.message.id']).toBe(consumed.attributes['messaging.message.id']);
      expect(parentOf(published)!.name).toBe(`create ${type}`);
    }
    const createOf = (type: string) => spans.find((s) => s.name === `create ${type}`)!;
    // The first write hangs from the caller's span (no server span in this process).
    expect(createOf('orders.OrderPlaced').parentSpanContext?.spanId).toBe(CALLER.split('-')[2]);
    expect(groupOf(parentOf(createOf('inventory.StockReserved'))!)).toBe('inventory_OrderPlaced');
    expect(parentOf(parentOf(createOf('payments.PaymentCaptured'))!)!.attributes['messaging.consumer.group.name']).toBe('payments_StockReserved');
    expect(groupOf(parentOf(createOf('orders.OrderConfirmed'))!)).toBe('orders_PaymentCaptured');
  });
});
