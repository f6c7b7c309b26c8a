import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables } from '../../../platform/database/messaging-tables';

export class PaymentsInit1700000000003 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'payments');
    await runner.query(`
      CREATE TABLE payments.payments (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL UNIQUE,
        amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
        payment_token text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'CAPTURED', 'DECLINED', 'VOIDED')),
        decline_reason text,
        charge_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA payments CASCADE');
  }
}
