import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The card token leaves the order: it waits in `payment_handoffs` only until payments has it.
 * Orders placed before this already sent theirs in OrderPlaced v1, so the column just goes.
 */
export class OrdersPaymentHandoff1700000000015 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE orders.payment_handoffs (
        id uuid PRIMARY KEY,
        payment_token text NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX payment_handoffs_due ON orders.payment_handoffs (next_attempt_at)');
    await runner.query('ALTER TABLE orders.orders DROP COLUMN payment_token');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE orders.orders ADD COLUMN payment_token text NOT NULL DEFAULT ''`);
    await runner.query('DROP TABLE orders.payment_handoffs');
  }
}
