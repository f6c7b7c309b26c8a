import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders whose reservation is settled. A cancel (the saga's deadline) can overtake OrderPlaced:
 * the row stays behind so a late OrderPlaced reserves nothing.
 */
export class InventoryClosedOrders1700000000011 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE inventory.closed_orders (
        order_id uuid PRIMARY KEY,
        outcome text NOT NULL CHECK (outcome IN ('RELEASED', 'COMMITTED')),
        closed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE inventory.closed_orders');
  }
}
