import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { ALL_CONTRACTS } from '../../src/contracts';
import { describeWithNats } from '../support/requires-nats';
import { startApp } from '../support/test-app';
import { deleteNamespace, testNamespace } from '../support/test-broker';
import { createTestDatabase, TestDatabase } from '../support/test-database';

type Node = Record<string, any>;
const MODULES = ['orders', 'inventory', 'payments', 'notifications'];
const SECRETS = new Set(ALL_CONTRACTS.flatMap((c) => c.sensitive.secret));

/** Every property schema named `name` anywhere in a JSON value. */
function propertiesNamed(value: unknown, name: string, found: Node[] = []): Node[] {
  if (Array.isArray(value)) value.forEach((v) => propertiesNamed(v, name, found));
  else if (value && typeof value === 'object') {
    const properties = (value as Node).properties;
    if (properties && typeof properties === 'object' && name in properties) found.push(properties[name]);
    Object.values(value).forEach((v) => propertiesNamed(v, name, found));
  }
  return found;
}

/**
 * The adversary of issue 12 on the documents: each module in a process of its own (the service
 * deployment) serves the AsyncAPI of the whole system, valid, and without a value of a secret.
 */
describeWithNats('AsyncAPI in every APP_MODULES subset (one module per process, real Postgres and JetStream)', () => {
  const namespace = testNamespace('asyncapi_subsets');
  const apps = new Map<string, NestFastifyApplication>();
  const docs = new Map<string, Node>();
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('asyncapi_subsets');
    for (const module of MODULES) {
      const app = await startApp((c) => AppModule.forRoot(c), { DATABASE_URL: db.url, MESSAGING_NAMESPACE: namespace, APP_MODULES: module });
      apps.set(module, app);
      const answer = await app.inject({ method: 'GET', url: '/asyncapi.json' });
      expect(answer.statusCode).toBe(200);
      docs.set(module, answer.json());
    }
  });
  afterAll(async () => {
    for (const app of [...apps.values()].reverse()) await app.close().catch(() => undefined);
    await db?.drop();
    await deleteNamespace(namespace);
  });

  it.each(MODULES)('the %s process serves a document @asyncapi/parser accepts with no error, the same as every other process', async (module) => {
    const doc = docs.get(module)!;
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    expect(diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error)).toEqual([]);
    expect(document?.messages().length).toBe(ALL_CONTRACTS.length);
    expect(doc).toEqual(docs.get('orders'));
  });

  it('lists every version of every type and the consumers of the saga (ARCHITECTURE §2), whichever process serves it', () => {
    const doc = docs.get('payments')!;
    const receivers = (type: string) =>
      Object.values(doc.operations as Node)
        .filter((o) => o.action === 'receive' && o.channel.$ref === `#/channels/${type.replace('.', '_')}`)
        .map((o) => o.tags[0].name)
        .sort();
    expect(Object.keys(doc.channels.orders_OrderPlaced.messages)).toEqual(['v1', 'v2']);
    expect(receivers('orders.OrderPlaced')).toEqual(['inventory', 'notifications', 'payments']);
    expect(receivers('inventory.StockReserved')).toEqual(['payments']);
    expect(receivers('payments.PaymentRefunded')).toEqual([]);
    const send = Object.values(doc.operations as Node).find((o) => o.action === 'send' && o.channel.$ref === '#/channels/orders_OrderPlaced');
    expect(send.messages).toEqual([{ $ref: '#/channels/orders_OrderPlaced/messages/v2' }]);
  });

  it('holds no value for a secret field (no example, default, constant or list of values) and no card token', () => {
    for (const [module, doc] of docs) {
      for (const secret of SECRETS) {
        const found = propertiesNamed(doc, secret);
        expect(found.length).toBeGreaterThan(0);
        for (const schema of found) for (const key of ['examples', 'example', 'default', 'const', 'enum']) expect([module, secret, key, schema[key]]).toEqual([module, secret, key, undefined]);
      }
      expect(JSON.stringify(doc)).not.toMatch(/tok_[A-Za-z0-9]/);
    }
  });
});
