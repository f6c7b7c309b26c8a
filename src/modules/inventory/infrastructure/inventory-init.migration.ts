import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables } from '../../../platform/database/messaging-tables';

export class InventoryInit1700000000001 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'inventory');
    // The CHECKs are the last word on stock: no code path can drive a value below zero.
    await runner.query(`
      CREATE TABLE inventory.products (
        sku text PRIMARY KEY,
        name text NOT NULL,
        price_cents integer NOT NULL CHECK (price_cents >= 0),
        available integer NOT NULL CHECK (available >= 0),
        reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        sold integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE inventory.reservations (
        order_id uuid NOT NULL,
        sku text NOT NULL REFERENCES inventory.products (sku),
        quantity integer NOT NULL CHECK (quantity > 0),
        status text NOT NULL CHECK (status IN ('RESERVED', 'RELEASED', 'COMMITTED')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (order_id, sku)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA inventory CASCADE');
  }
}
