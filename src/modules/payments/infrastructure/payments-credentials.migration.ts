import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Card tokens leave the payment row for a table of their own, kept only while a charge may still
 * need them: tokens of payments already decided are dropped here, not carried over.
 */
export class PaymentsCredentials1700000000016 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE payments.payment_credentials (
        order_id uuid PRIMARY KEY,
        payment_token text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      INSERT INTO payments.payment_credentials (order_id, payment_token)
      SELECT order_id, payment_token FROM payments.payments WHERE status IN ('PENDING', 'CHARGING') AND payment_token <> ''`);
    await runner.query('ALTER TABLE payments.payments DROP COLUMN payment_token');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE payments.payments ADD COLUMN payment_token text NOT NULL DEFAULT ''`);
    await runner.query('DROP TABLE payments.payment_credentials');
  }
}
