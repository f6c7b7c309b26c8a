import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { ALL_CONTRACTS } from '../../src/contracts';
import { EventDispatcher } from '../../src/platform/messaging/event-dispatcher';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';

type Node = Record<string, any>;

/** The AsyncAPI document the monolith serves, read over HTTP like any client would. */
describeWithNats('AsyncAPI at /asyncapi.json and /asyncapi (the monolith, real Postgres and JetStream)', () => {
  // A tight API limit, to show the documents are exempt from it as /docs is.
  const shop = new InProcessShop('asyncapi', { RATE_LIMIT_PER_MINUTE: '3' });
  let base: string;
  let doc: Node;

  beforeAll(async () => {
    await shop.setUp();
    base = await shop.app.getUrl();
    const answer = await fetch(`${base}/asyncapi.json`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/application\/json/);
    doc = (await answer.json()) as Node;
  });
  afterAll(() => shop.tearDown());

  it('is a valid AsyncAPI 3.0 document: @asyncapi/parser reports no error', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    expect(diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.messages().length).toBe(ALL_CONTRACTS.length);
  });

  it('has a channel per subject of this deployment, with a message per contract version', () => {
    const channels = Object.values(doc.channels as Node);
    const types = [...new Set(ALL_CONTRACTS.map((c) => c.type))];
    expect(channels.map((c) => c.address).sort()).toEqual(types.map((t) => `${shop.namespace}.${t}`).sort());
    for (const contract of ALL_CONTRACTS) {
      const channel = channels.find((c) => c.address === `${shop.namespace}.${contract.type}`);
      expect(channel['x-stream']).toBe(`${shop.namespace}_${contract.type.split('.')[0]}`.toUpperCase());
      const ref: string = channel.messages[`v${contract.version}`].$ref;
      const message = doc.components.messages[ref.split('/').pop()!];
      expect(message.payload.properties.type.const).toBe(contract.type);
      expect(message.payload.properties.version.const).toBe(contract.version);
      expect(message.payload.properties.payload.type).toBe('object');
    }
  });

  it('names the producer and the consumers the running listeners were registered for', () => {
    const dispatcher = shop.app.get(EventDispatcher);
    const operations = Object.values(doc.operations as Node);
    for (const [id, channel] of Object.entries(doc.channels as Node)) {
      const type = channel.title as string;
      const on = (action: string) =>
        operations.filter((o) => o.action === action && o.channel.$ref === `#/channels/${id}`).map((o) => o.tags[0].name).sort();
      expect(on('send')).toEqual([type.split('.')[0]]);
      expect(on('receive')).toEqual(dispatcher.consumersOf(type).sort());
    }
    // The saga (ARCHITECTURE §2), spot-checked by hand.
    expect(dispatcher.consumersOf('orders.OrderPlaced').sort()).toEqual(['inventory', 'notifications', 'payments']);
  });

  it('renders every event type and version at /asyncapi, a page of its own', async () => {
    const answer = await fetch(`${base}/asyncapi`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/text\/html/);
    const page = await answer.text();
    expect(page).not.toMatch(/<script|https?:\/\/(?!json-schema\.org)/);
    for (const contract of ALL_CONTRACTS) {
      expect(page).toContain(`<code>${shop.namespace}.${contract.type}</code>`);
      expect(page).toContain(`<h3>${contract.type} v${contract.version}</h3>`);
    }
  });

  it('is not rate-limited where the API is', async () => {
    const api = [];
    for (let i = 0; i < 5; i++) api.push((await fetch(`${base}/inventory/products/NO-SUCH-SKU`)).status);
    expect(api).toContain(429);
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${base}/asyncapi.json`)).status).toBe(200);
      expect((await fetch(`${base}/asyncapi`)).status).toBe(200);
    }
  });
});
