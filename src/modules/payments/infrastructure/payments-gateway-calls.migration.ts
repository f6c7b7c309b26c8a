import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments become an aggregate with a version, and gateway calls become due work (CHARGING,
 * REFUNDING) that a worker runs outside any transaction, with its own retry schedule.
 */
export class PaymentsGatewayCalls1700000000013 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE payments.payments DROP CONSTRAINT IF EXISTS payments_status_check');
    await runner.query(`
      ALTER TABLE payments.payments
        ADD CONSTRAINT payments_status_check
          CHECK (status IN ('PENDING', 'CHARGING', 'CAPTURED', 'DECLINED', 'VOIDED', 'REFUNDING', 'REFUNDED')),
        ADD COLUMN version integer NOT NULL DEFAULT 1,
        ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN claimed_until timestamptz,
        ADD COLUMN last_error text`);
    await runner.query(`CREATE INDEX payments_due ON payments.payments (next_attempt_at) WHERE status IN ('CHARGING', 'REFUNDING')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX payments.payments_due');
  }
}
