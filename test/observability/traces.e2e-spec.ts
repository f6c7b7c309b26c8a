import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MessagingNames } from '../../src/platform/messaging/naming';
import { OtlpReceiver, ReceivedSpan, SPAN_KIND } from '../support/otlp-receiver';
import { describeWithNats, NATS_AVAILABLE } from '../support/requires-nats';
import { AppProcess } from '../support/shop/app-process';
import { ProcessShop } from '../support/shop/process-shop';
import { readStream } from '../support/test-broker';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';
import { CONFIRMED_ORDER_HOPS as HOPS } from '../support/saga-hops';

const PROBE = resolve(__dirname, '../support/loaded-modules.cjs');
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';


const probeEnv = (dir: string) => ({ NODE_OPTIONS: `--require ${PROBE}`, LOADED_MODULES_DIR: dir });
const loadedPackages = (dir: string) => readdirSync(dir).map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as string[]);
const SDK_PACKAGE = /sdk|instrumentation|exporter|@fastify\/otel/;

const receiver = new OtlpReceiver();
/** On the SDK's default endpoint (localhost:4318) when it is free: an SDK loaded by mistake would export there. */
let defaultReceiver: OtlpReceiver | undefined;
const loadedOn = mkdtempSync(join(tmpdir(), 'otel-on-'));
const loadedOff = mkdtempSync(join(tmpdir(), 'otel-off-'));
let shop: ProcessShop | undefined;
let db: TestDatabase;
let app: AppProcess;

/** Both worlds start at once: four traced processes over JetStream, and one untraced monolith. */
beforeAll(async () => {
  await receiver.start();
  defaultReceiver = await new OtlpReceiver().start(4318).catch(() => {
    console.warn('port 4318 is taken: the "off" suite cannot listen where a stray SDK would export; it still checks what the process loaded');
    return undefined;
  });
  db = await createTestDatabase('otel_off');
  // Every OTEL_* variable but the endpoint: tracing stays off.
  app = new AppProcess('otel-off', {
    DATABASE_URL: db.url,
    NATS_URL: '',
    MESSAGING_NAMESPACE: 'otel_off',
    OTEL_SERVICE_NAME: 'shop-off',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    ...probeEnv(loadedOff),
  });
  shop = NATS_AVAILABLE
    ? new ProcessShop('otel_svc', undefined, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        ...probeEnv(loadedOn),
      })
    : undefined;
  await Promise.all([app.start(), shop?.setUp()]);
});
afterAll(async () => {
  await Promise.all([shop?.tearDown(), app?.stop()]);
  await db?.drop();
  await Promise.all([receiver.stop(), defaultReceiver?.stop()]);
  for (const dir of [loadedOn, loadedOff]) rmSync(dir, { recursive: true, force: true });
});

/**
 * Traces through the `services` topology of docker-compose.yml (orders+inventory, payments x2,
 * notifications: four processes over NATS JetStream), exported over OTLP/HTTP (JSON) to a
 * receiver in the test: one order is one trace across every module and process.
 */
describeWithNats('OpenTelemetry traces across the services', () => {
  it('one order is one trace: HTTP, outbox write, publish, every consumer and its database work, in every process', async () => {
    await shop!.registerProduct('OTEL-1', 500, 5);
    const placed = await shop!.placeOrder([{ sku: 'OTEL-1', quantity: 1 }], 'tok_visa', { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    expect(placed.status).toBe(201);
    expect((await shop!.finalOrder(placed.body.orderId)).status).toBe('CONFIRMED');

    const byId = (spans: ReceivedSpan[]) => new Map(spans.map((s) => [s.spanId, s]));
    /** The chain of parents from a span up to the trace's root, while every link has arrived. */
    const ancestry = (span: ReceivedSpan, spans: Map<string, ReceivedSpan>) => {
      const chain = [span];
      for (let parent = spans.get(span.parentSpanId); parent; parent = spans.get(parent.parentSpanId)) chain.push(parent);
      return chain;
    };
    // Wait until every hop's span arrived and hangs, parent by parent, from the HTTP request.
    const incomplete = () => {
      const spans = receiver.trace(CALLER_TRACE);
      const index = byId(spans);
      const processed = spans.filter((s) => s.kind === SPAN_KIND.CONSUMER);
      const groups = new Set(processed.map((s) => s.attributes['messaging.consumer.group.name']));
      const missing = HOPS.filter((hop) => !groups.has(hop));
      const unrooted = processed
        .map((s) => ancestry(s, index))
        .filter((chain) => chain.at(-1)!.parentSpanId !== CALLER_SPAN)
        .map((chain) => chain.map((s) => `${s.service}: ${s.name}`).join(' < ') + ` < (${chain.at(-1)!.parentSpanId} not received)`);
      return missing.length || unrooted.length ? { missing, unrooted, received: spans.length } : undefined;
    };
    await waitFor('the order trace, complete', () => !incomplete(), { timeoutMs: 30_000, intervalMs: 200 }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${JSON.stringify(incomplete(), null, 1)}`);
    });
    const trace = receiver.trace(CALLER_TRACE);
    const spans = byId(trace);

    // Every process took part, under its own service.name (shop-<APP_MODULES>).
    expect([...new Set(trace.map((s) => s.service))].sort()).toEqual(['shop-notifications', 'shop-orders+inventory', 'shop-payments']);
    const root = trace.find((s) => s.parentSpanId === CALLER_SPAN)!;
    expect(root).toMatchObject({ kind: SPAN_KIND.SERVER, service: 'shop-orders+inventory' });

    const names = new MessagingNames(shop!.namespace);
    for (const consumed of trace.filter((s) => s.kind === SPAN_KIND.CONSUMER)) {
      const group = String(consumed.attributes['messaging.consumer.group.name']);
      const type = `${consumed.attributes['shop.event.type']}`;
      const consumer = group.split('_')[0];
      expect(consumed).toMatchObject({
        name: `process ${names.subject(type)}`,
        service: expect.stringContaining(consumer),
        attributes: expect.objectContaining({
          'messaging.system': 'nats',
          'messaging.operation.type': 'process',
          'messaging.destination.name': names.subject(type),
          'shop.consumer': consumer,
        }),
      });
      // Its parent is the relay's publish span (from the NATS headers), whose parent is the outbox write.
      const published = spans.get(consumed.parentSpanId)!;
      expect(published).toMatchObject({
        kind: SPAN_KIND.PRODUCER,
        name: `publish ${names.subject(type)}`,
        attributes: expect.objectContaining({ 'messaging.operation.type': 'send', 'messaging.message.id': consumed.attributes['messaging.message.id'] }),
      });
      const created = spans.get(published.parentSpanId)!;
      expect(created).toMatchObject({
        kind: SPAN_KIND.PRODUCER,
        name: `create ${type}`,
        attributes: expect.objectContaining({ 'messaging.operation.type': 'create', 'messaging.message.id': consumed.attributes['messaging.message.id'] }),
      });
      expect(consumed.links).toEqual([{ traceId: CALLER_TRACE, spanId: created.spanId }]);
      // The handler's database work runs inside the consumer span.
      expect(trace.filter((s) => s.parentSpanId === consumed.spanId && s.name.startsWith('pg.query:')).length).toBeGreaterThan(0);
    }

    // Each hop continues from the one before: the consumer's own outbox write is a child of its span
    // (of one of them: a delivery that had to wait, "not yet", is tried again under a new span).
    const spanIdsOf = (group: string) => trace.filter((s) => s.attributes['messaging.consumer.group.name'] === group).map((s) => s.spanId);
    const createOf = (type: string) => trace.find((s) => s.name === `create ${type}`)!;
    expect(spanIdsOf('inventory_OrderPlaced')).toContain(createOf('inventory.StockReserved').parentSpanId);
    expect(spanIdsOf('orders_PaymentCaptured')).toContain(createOf('orders.OrderConfirmed').parentSpanId);
    // The charge runs later in the payments worker, in the trace of the StockReserved that made it due.
    const charge = spans.get(createOf('payments.PaymentCaptured').parentSpanId)!;
    expect(charge).toMatchObject({ name: 'payments charge', service: 'shop-payments' });
    expect(spanIdsOf('payments_StockReserved')).toContain(charge.parentSpanId);
    expect(ancestry(createOf('orders.OrderPlaced'), spans)).toContain(root);

    // On the wire: the envelope carries its creation context, the NATS header the publish span.
    const [message] = (await readStream(names.stream('orders'))).filter((m) => m.headers?.get('Event-Type') === 'orders.OrderPlaced');
    const envelope = JSON.parse(message.string()) as { traceparent: string };
    expect(envelope.traceparent).toBe(`00-${CALLER_TRACE}-${createOf('orders.OrderPlaced').spanId}-01`);
    const publishes = trace.filter((s) => s.name === `publish ${names.subject('orders.OrderPlaced')}`).map((s) => `00-${CALLER_TRACE}-${s.spanId}-01`);
    expect(publishes).toContain(message.headers!.get('traceparent'));

    // Statements sent with BEGIN or COMMIT carry their values inlined: the spans keep none of them.
    const texts = trace.map((s) => String(s.attributes['db.query.text'] ?? ''));
    expect(texts.filter((t) => t.startsWith('BEGIN;') || t.endsWith('COMMIT')).length).toBeGreaterThan(0);
    expect(texts.filter((t) => t.includes('ada@example.com') || t.includes('tok_visa'))).toEqual([]);

    // The SDK was loaded in every process (the control for the suite below).
    await Promise.all([...shop!.services.values()].map((s) => s.stop()));
    const packages = loadedPackages(loadedOn);
    expect(packages).toHaveLength(4);
    for (const list of packages) expect(list).toEqual(expect.arrayContaining(['@opentelemetry/sdk-node', '@opentelemetry/instrumentation-pg']));
  });
});

describe('OpenTelemetry traces off (no OTLP endpoint)', () => {
  it('loads no SDK, exports nothing, and still passes the caller\'s traceparent along', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post('/inventory/products', { sku: 'OFF-1', name: 'Off', priceCents: 100, quantity: 3 })).status).toBe(201);
    await waitFor('catalog OFF-1', async () => (await fetch(`${app.url}/catalog/OFF-1`)).ok);
    const traceparent = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
    const order = { customerId: '0193a2b4-0000-7000-8000-000000000001', customerEmail: 'ada@example.com', items: [{ sku: 'OFF-1', quantity: 1 }], paymentToken: 'tok_visa' };
    const placed = await post('/orders', order, { traceparent });
    expect(placed.status).toBe(201);
    const { orderId } = (await placed.json()) as { orderId: string };
    await waitFor('order confirmed', async () => ((await (await fetch(`${app.url}/orders/${orderId}`)).json()) as { status: string }).status === 'CONFIRMED');

    const [row] = await db.query(`SELECT envelope FROM inventory.outbox WHERE type = 'inventory.StockReserved'`);
    expect(row.envelope.traceparent).toBe(traceparent);
    expect((await app.stop()).code).toBe(0);
    const [packages] = loadedPackages(loadedOff);
    expect(packages.filter((p) => SDK_PACKAGE.test(p))).toEqual([]);
    expect(receiver.spans.filter((s) => s.service === 'shop-off')).toEqual([]);
    expect(defaultReceiver?.spans ?? []).toEqual([]);
    expect(defaultReceiver?.refused ?? []).toEqual([]);
  });
});
