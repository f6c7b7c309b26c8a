import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables } from '../../../platform/database/messaging-tables';

export class OrdersInit1700000000002 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'orders');
    await runner.query(`
      CREATE TABLE orders.orders (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL,
        customer_email text NOT NULL,
        items jsonb NOT NULL,
        total_cents bigint NOT NULL CHECK (total_cents >= 0),
        payment_token text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED')),
        cancellation_reason text CHECK (cancellation_reason IN ('OUT_OF_STOCK', 'PAYMENT_DECLINED')),
        version integer NOT NULL,
        idempotency_key text UNIQUE,
        request_hash text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    // The snapshot of inventory's catalog that orders are priced from (fed by events only).
    await runner.query(`
      CREATE TABLE orders.catalog (
        sku text PRIMARY KEY,
        name text NOT NULL,
        price_cents integer NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA orders CASCADE');
  }
}
