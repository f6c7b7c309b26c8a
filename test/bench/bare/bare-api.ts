/**
 * The baseline of the API figure: a bare Nest + Fastify app whose `POST /orders` runs the same
 * transaction as the shop's (price from a catalog table, the order, its outbox row, the card
 * token's hand-off row) with node-pg directly, the same pool size, and nothing else: no
 * validation pipe, no CQRS bus, no rate limit, no logging, no saga behind it.
 *   BARE_DATABASE_URL, BARE_POOL_SIZE; prints `READY <port>`.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

const POOL = Symbol('POOL');

interface OrderRequest {
  customerId: string;
  customerEmail: string;
  items: { sku: string; quantity: number }[];
  paymentToken: string;
}

@Controller('orders')
class BareOrdersController {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  @Post()
  @HttpCode(201)
  async place(@Body() body: OrderRequest) {
    const id = randomUUID();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const prices = await c.query('SELECT sku, price_cents FROM bare.catalog WHERE sku = ANY($1)', [body.items.map((i) => i.sku)]);
      const price = new Map(prices.rows.map((r) => [r.sku as string, Number(r.price_cents)]));
      const items = body.items.map((i) => ({ ...i, unitPriceCents: price.get(i.sku) ?? 0 }));
      const totalCents = items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0);
      await c.query(
        `INSERT INTO bare.orders (id, customer_id, customer_email, items, total_cents, status) VALUES ($1, $2, $3, $4::jsonb, $5, 'PENDING')`,
        [id, body.customerId, body.customerEmail, JSON.stringify(items), totalCents],
      );
      const event = { id: randomUUID(), type: 'orders.OrderPlaced', orderId: id, totalCents, items };
      await c.query(`INSERT INTO bare.outbox (id, type, envelope) VALUES ($1, $2, $3::jsonb)`, [event.id, event.type, JSON.stringify(event)]);
      await c.query(`INSERT INTO bare.handoffs (id, payment_token) VALUES ($1, $2)`, [id, body.paymentToken]);
      await c.query('COMMIT');
      return { orderId: id, status: 'PENDING', totalCents, items };
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      c.release();
    }
  }
}

@Module({
  controllers: [BareOrdersController],
  providers: [{ provide: POOL, useFactory: () => new Pool({ connectionString: process.env.BARE_DATABASE_URL, max: Number(process.env.BARE_POOL_SIZE ?? 10) }) }],
})
class BareApiModule {}

async function main(): Promise<void> {
  const setup = new Pool({ connectionString: process.env.BARE_DATABASE_URL, max: 1 });
  await setup.query(`CREATE SCHEMA IF NOT EXISTS bare;
    CREATE TABLE IF NOT EXISTS bare.catalog (sku text PRIMARY KEY, price_cents bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS bare.orders (id uuid PRIMARY KEY, customer_id uuid NOT NULL, customer_email text NOT NULL, items jsonb NOT NULL,
      total_cents bigint NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE IF NOT EXISTS bare.outbox (id uuid PRIMARY KEY, seq bigserial, type text NOT NULL, envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
    CREATE INDEX IF NOT EXISTS outbox_unpublished ON bare.outbox (seq) WHERE published_at IS NULL;
    CREATE TABLE IF NOT EXISTS bare.handoffs (id uuid PRIMARY KEY, payment_token text NOT NULL);
    INSERT INTO bare.catalog SELECT 'BENCH-' || i, 1000 FROM generate_series(0, 49) i ON CONFLICT DO NOTHING;`);
  await setup.end();
  const app = await NestFactory.create<NestFastifyApplication>(BareApiModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  console.log(`READY ${new URL(await app.getUrl()).port}`);
  process.on('SIGTERM', async () => {
    await app.close();
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
