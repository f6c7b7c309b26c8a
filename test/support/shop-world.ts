import { Provider } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { SimulatedPaymentGateway } from '../../src/modules/payments/infrastructure/simulated-payment-gateway';
import { deleteNamespace, testNamespace } from './test-broker';
import { createTestDatabase, TestDatabase } from './test-database';
import { startApp, TestEnv } from './test-app';
import { waitFor } from './wait-for';

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One suite's shop: its own database and namespace, the whole app, and an HTTP client. */
export class ShopWorld {
  db!: TestDatabase;
  app!: NestFastifyApplication;
  baseUrl = '';
  readonly namespace: string;

  constructor(readonly name: string) {
    this.namespace = testNamespace(name);
  }

  async setUp(env: TestEnv = {}, overrides: Provider[] = []): Promise<this> {
    this.db = await createTestDatabase(this.name);
    this.app = await startApp((c) => AppModule.forRoot(c, overrides), {
      DATABASE_URL: this.db.url,
      MESSAGING_NAMESPACE: this.namespace,
      ...env,
    });
    await this.app.listen(0, '127.0.0.1');
    this.baseUrl = await this.app.getUrl();
    return this;
  }

  async tearDown(): Promise<void> {
    await this.app?.close();
    await this.db?.drop();
    await deleteNamespace(this.namespace);
  }

  /** The simulated gateway is the fake of an outside system: tests may ask it what it executed. */
  get gateway(): SimulatedPaymentGateway {
    return this.app.get(SimulatedPaymentGateway);
  }

  async http<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    const raw = typeof body === 'string' || body instanceof Uint8Array;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined || raw ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async registerProduct(sku: string, priceCents: number, quantity: number, name = `Product ${sku}`) {
    const answer = await this.http('POST', '/inventory/products', { sku, name, priceCents, quantity });
    expect(answer.status).toBe(201);
    await this.catalogHas(sku, 1);
    return answer.body;
  }

  /** Waits until the orders catalog snapshot holds the sku at (at least) the given version. */
  catalogHas(sku: string, version: number) {
    return waitFor(`catalog ${sku}@${version}`, async () => {
      const { status, body } = await this.http('GET', `/catalog/${sku}`);
      return status === 200 && body.version >= version;
    });
  }

  placeOrder(items: { sku: string; quantity: number }[], paymentToken = 'tok_visa', headers: Record<string, string> = {}) {
    return this.http('POST', '/orders', {
      customerId: '0193a2b4-0000-7000-8000-000000000001',
      customerEmail: 'ada@example.com',
      items,
      paymentToken,
    }, headers);
  }

  /** Polls GET /orders/:id until the order leaves PENDING. */
  finalOrder(orderId: string, timeoutMs = 30_000) {
    return waitFor(`order ${orderId} final`, async () => {
      const { body } = await this.http('GET', `/orders/${orderId}`);
      return body?.status && body.status !== 'PENDING' ? body : undefined;
    }, { timeoutMs });
  }

  async product(sku: string) {
    return (await this.http('GET', `/inventory/products/${sku}`)).body;
  }
}
