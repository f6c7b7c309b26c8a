import { MigrationInterface, QueryRunner } from 'typeorm';
import { CANCELLATION_REASONS } from '../../../contracts/shared-schemas';

/** The saga's deadline: TIMED_OUT becomes a reason, and pending orders are found by age. */
export class OrdersDeadline1700000000012 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    const reasons = CANCELLATION_REASONS.map((r) => `'${r}'`).join(', ');
    await runner.query('ALTER TABLE orders.orders DROP CONSTRAINT IF EXISTS orders_cancellation_reason_check');
    await runner.query(`ALTER TABLE orders.orders ADD CONSTRAINT orders_cancellation_reason_check CHECK (cancellation_reason IN (${reasons}))`);
    await runner.query(`CREATE INDEX orders_pending_created_at ON orders.orders (created_at) WHERE status = 'PENDING'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX orders.orders_pending_created_at');
  }
}
