/**
 * The baseline of the end-to-end figures: the saga's four hops (place → reserve → charge →
 * confirm), each a transaction with an inbox row, its effect and an outbox row, written with
 * node-pg and nats.js directly, no framework. The writer publishes its own row right after the
 * commit and marks it; consumers pull continuously. BARE_NATS_URL empty: the hops call each other
 * in memory (the baseline of the in-process transport).
 *   BARE_DATABASE_URL, BARE_NATS_URL, BARE_NAMESPACE, BARE_POOL_SIZE; prints `READY <port>`.
 */
import { createServer, IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { AckPolicy, connect, JetStreamClient, JsMsg, NatsConnection } from 'nats';
import { Pool, PoolClient } from 'pg';

const pool = new Pool({ connectionString: process.env.BARE_DATABASE_URL, max: Number(process.env.BARE_POOL_SIZE ?? 20) });
const namespace = process.env.BARE_NAMESPACE ?? 'bare';
const stream = `${namespace.toUpperCase()}_BARE`;
let nc: NatsConnection | undefined;
let js: JetStreamClient | undefined;

type Hop = (c: PoolClient, orderId: string) => Promise<string | undefined>;

/** What each event makes its consumer do, in the consumer's transaction; returns the next event's type. */
const hops: Record<string, Hop> = {
  OrderPlaced: async (c, orderId) => {
    await c.query(`UPDATE bare.stock SET available = available - 1, reserved = reserved + 1 WHERE sku = (SELECT sku FROM bare.orders WHERE id = $1)`, [orderId]);
    return 'StockReserved';
  },
  StockReserved: async (c, orderId) => {
    await c.query(`INSERT INTO bare.payments (order_id, status) VALUES ($1, 'CAPTURED')`, [orderId]);
    return 'PaymentCaptured';
  },
  PaymentCaptured: async (c, orderId) => {
    await c.query(`UPDATE bare.orders SET status = 'CONFIRMED', confirmed_at = clock_timestamp() WHERE id = $1`, [orderId]);
    return undefined;
  },
};

async function inTransaction<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const result = await work(c);
    await c.query('COMMIT');
    return result;
  } catch (error) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    c.release();
  }
}

async function appendOutbox(c: PoolClient, type: string, orderId: string): Promise<{ id: string; type: string; body: string }> {
  const id = randomUUID();
  const body = JSON.stringify({ id, type, orderId, occurredAt: new Date().toISOString() });
  await c.query(`INSERT INTO bare.outbox (id, type, envelope) VALUES ($1, $2, $3::jsonb)`, [id, type, body]);
  return { id, type, body };
}

/** After the commit: publish the row, await the PubAck, mark it (the relay's work, inline). */
async function relay(event: { id: string; type: string; body: string }): Promise<void> {
  if (js) {
    await js.publish(`${namespace}.bare.${event.type}`, event.body, { msgID: event.id });
  } else {
    void consume(event.type, event.id, event.body);
  }
  await pool.query('UPDATE bare.outbox SET published_at = now() WHERE id = $1', [event.id]);
}

async function consume(type: string, eventId: string, body: string): Promise<void> {
  const { orderId } = JSON.parse(body) as { orderId: string };
  const next = await inTransaction(async (c) => {
    const fresh = await c.query('INSERT INTO bare.inbox (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id', [eventId]);
    if (fresh.rowCount === 0) return undefined;
    const nextType = await hops[type](c, orderId);
    return nextType ? appendOutbox(c, nextType, orderId) : undefined;
  });
  if (next) await relay(next);
}

async function placeOrder(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk;
  const { items } = JSON.parse(text) as { items: { sku: string; quantity: number }[] };
  const orderId = randomUUID();
  const event = await inTransaction(async (c) => {
    const prices = await c.query('SELECT sku, price_cents FROM bare.stock WHERE sku = ANY($1)', [items.map((i) => i.sku)]);
    const total = prices.rows.reduce((sum, row) => sum + Number(row.price_cents), 0);
    await c.query(`INSERT INTO bare.orders (id, sku, total_cents, status) VALUES ($1, $2, $3, 'PENDING')`, [orderId, items[0].sku, total]);
    return appendOutbox(c, 'OrderPlaced', orderId);
  });
  void relay(event).catch(() => undefined);
  return orderId;
}

async function setUp(): Promise<void> {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS bare;
    CREATE TABLE IF NOT EXISTS bare.stock (sku text PRIMARY KEY, price_cents bigint NOT NULL, available int NOT NULL, reserved int NOT NULL DEFAULT 0);
    CREATE TABLE IF NOT EXISTS bare.orders (id uuid PRIMARY KEY, sku text NOT NULL, total_cents bigint NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), confirmed_at timestamptz);
    CREATE TABLE IF NOT EXISTS bare.payments (order_id uuid PRIMARY KEY, status text NOT NULL);
    CREATE TABLE IF NOT EXISTS bare.outbox (id uuid PRIMARY KEY, type text NOT NULL, envelope jsonb NOT NULL, published_at timestamptz);
    CREATE TABLE IF NOT EXISTS bare.inbox (event_id uuid PRIMARY KEY, processed_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO bare.stock (sku, price_cents, available) SELECT 'BENCH-' || i, 1000, 1000000 FROM generate_series(0, 49) i ON CONFLICT DO NOTHING;`);
  if (!process.env.BARE_NATS_URL) return;
  nc = await connect({ servers: process.env.BARE_NATS_URL });
  js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${namespace}.bare.>`] });
  for (const type of Object.keys(hops)) {
    await jsm.consumers.add(stream, { durable_name: type, filter_subject: `${namespace}.bare.${type}`, ack_policy: AckPolicy.Explicit });
    const messages = await (await js.consumers.get(stream, type)).consume({ max_messages: 64 });
    void (async () => {
      for await (const msg of messages) void handle(type, msg);
    })();
  }
}

async function handle(type: string, msg: JsMsg): Promise<void> {
  try {
    await consume(type, msg.headers?.get('Nats-Msg-Id') ?? '', msg.string());
    msg.ack();
  } catch {
    msg.nak(100);
  }
}

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/orders') {
    response.writeHead(404).end();
    return;
  }
  placeOrder(request).then(
    (orderId) => response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId, status: 'PENDING' })),
    (error) => response.writeHead(500).end(String(error)),
  );
});

setUp().then(
  () => server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as { port: number }).port}`)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
process.on('SIGTERM', async () => {
  server.close();
  if (nc) {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
  }
  await pool.end();
  process.exit(0);
});
