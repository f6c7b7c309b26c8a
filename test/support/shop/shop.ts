import { connect } from 'nats';
import { NATS_URL } from '../test-broker';
import { waitFor } from '../wait-for';
import { TestDatabase } from '../test-database';
import { checkShop, formatCheck, ShopCheckResult } from '../checker/shop-checker';
import { waitForQuiescence } from '../checker/quiescence';

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A running shop as its clients see it: HTTP in, HTTP out. Subclasses decide the topology
 * (one Nest app in this process, or the built app as several processes).
 */
export abstract class Shop {
  abstract readonly topology: string;
  /** The database of orders, inventory and notifications. */
  abstract readonly db: TestDatabase;
  /** The payments database (the gateway simulator keeps its ledger there). */
  abstract readonly paymentsDb: TestDatabase;
  abstract readonly namespace: string;
  /** How events travel: through NATS JetStream, or in-process without a broker. */
  abstract readonly transport: 'jetstream' | 'in-process';

  abstract setUp(): Promise<this>;
  abstract tearDown(): Promise<void>;
  protected abstract baseUrlFor(path: string): string;

  /**
   * Delivers an event as a late or repeated delivery would arrive: published to the stream
   * (JetStream), or put in the producer's outbox (in-process, where the outbox is the log).
   */
  async deliverLate(envelope: { id: string; type: string; aggregateType: string; aggregateId: string; aggregateVersion: number }) {
    if (this.transport === 'jetstream') {
      const nc = await connect({ servers: NATS_URL });
      await nc.jetstream().publish(`${this.namespace}.${envelope.type}`, JSON.stringify(envelope), { msgID: envelope.id });
      await nc.close();
      return;
    }
    const producer = envelope.type.split('.')[0];
    // One row per aggregate version: the original, long published, makes way (as pruning would).
    await this.db.query(
      `DELETE FROM "${producer}".outbox WHERE aggregate_type = $1 AND aggregate_id = $2 AND aggregate_version = $3 AND published_at IS NOT NULL`,
      [envelope.aggregateType, envelope.aggregateId, envelope.aggregateVersion],
    );
    await this.db.query(
      `INSERT INTO "${producer}".outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [envelope.id, envelope.type, envelope.aggregateType, envelope.aggregateId, envelope.aggregateVersion, JSON.stringify(envelope)],
    );
  }

  /**
   * Waits until nothing moves, then has the independent checker judge the databases and the
   * streams: every order final, stock conserved, one capture per confirmed order, none kept for
   * a cancelled one, one e-mail per template, every event published and consumed once.
   */
  async verify(acceptedOrderIds: string[], stockIn?: Record<string, number>): Promise<{ result: ShopCheckResult; report: string }> {
    const input = {
      databaseUrl: this.db.url,
      paymentsDatabaseUrl: this.paymentsDb.url,
      nats: this.transport === 'jetstream' ? { url: NATS_URL, namespace: this.namespace } : undefined,
      acceptedOrderIds,
      stockIn,
    };
    const quiet = await waitForQuiescence(input);
    const result = await checkShop(input);
    return { result, report: `${this.topology}: quiet ${quiet.quiet} after ${quiet.waitedMs} ms ${quiet.busy.join(', ')}\n${formatCheck(result)}` };
  }

  /** What the simulated gateway (outside the product) executed: one idempotency key per charge. */
  async executedChargeKeys(): Promise<string[]> {
    const rows = await this.paymentsDb.query<{ key: string }>('SELECT idempotency_key AS key FROM gateway_simulator.charges');
    return rows.map((r) => r.key);
  }

  /** Requests sent again after a connection error or a 503 (see `send`): shown by suites that make bursts. */
  networkRetries = 0;

  async http<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    const raw = typeof body === 'string';
    const response = await this.send(`${this.baseUrlFor(path)}${path}`, {
      method,
      headers: body === undefined || raw ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
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

  /**
   * A client's retry, as a real one would do it: a connection reset in a burst of a thousand new
   * connections, or a 503 (busy past the pool's wait), is sent again, but only where that is safe
   * (a GET, or a POST carrying an Idempotency-Key, which the API answers with the first order again).
   */
  private async send(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    const safe = init.method === 'GET' || Object.keys(init.headers).some((h) => h.toLowerCase() === 'idempotency-key');
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      try {
        response = await fetch(url, init);
      } catch (error) {
        if (!safe || attempt >= 4) throw error;
      }
      // 503 (Retry-After): the service was busy past its pool wait; the same key is sent again.
      if (response && (response.status !== 503 || !safe || attempt >= 4)) return response;
      await response?.arrayBuffer();
      this.networkRetries++;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }

  async registerProduct(sku: string, priceCents: number, quantity: number, name = `Product ${sku}`) {
    const answer = await this.http('POST', '/inventory/products', { sku, name, priceCents, quantity });
    if (answer.status !== 201) throw new Error(`register ${sku}: ${answer.status} ${JSON.stringify(answer.body)}`);
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
    const order = { customerId: '0193a2b4-0000-7000-8000-000000000001', customerEmail: 'ada@example.com', items, paymentToken };
    return this.http('POST', '/orders', order, headers);
  }

  /** Polls GET /orders/:id until the order leaves PENDING. */
  finalOrder(orderId: string, timeoutMs = 30_000) {
    return waitFor(
      `order ${orderId} final`,
      async () => {
        const { body } = await this.http('GET', `/orders/${orderId}`);
        return body?.status && body.status !== 'PENDING' ? body : undefined;
      },
      { timeoutMs },
    );
  }

  /** Polls until none of the orders is PENDING; returns their final bodies. */
  async finalOrders(ids: string[], timeoutMs = 240_000): Promise<any[]> {
    const finals = new Map<string, any>();
    await waitFor(
      `${ids.length} orders final`,
      async () => {
        for (const id of ids.filter((i) => !finals.has(i))) {
          const { body } = await this.http('GET', `/orders/${id}`);
          if (body?.status && body.status !== 'PENDING') finals.set(id, body);
        }
        return finals.size === ids.length;
      },
      { timeoutMs, intervalMs: 500 },
    );
    return ids.map((id) => finals.get(id));
  }

  async product(sku: string) {
    return (await this.http('GET', `/inventory/products/${sku}`)).body;
  }
}
