import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A gateway call runs later, in a worker: the payment keeps the trace of the change that made it
 * due, so the charge and the events it settles continue the order's trace.
 */
export class PaymentsTraceContext1700000000021 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE payments.payments ADD COLUMN IF NOT EXISTS traceparent text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE payments.payments DROP COLUMN traceparent');
  }
}
