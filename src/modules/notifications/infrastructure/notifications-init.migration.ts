import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables } from '../../../platform/database/messaging-tables';

export class NotificationsInit1700000000004 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'notifications');
    await runner.query(`
      CREATE TABLE notifications.notifications (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL,
        template text NOT NULL CHECK (template IN ('order-received', 'order-confirmed', 'order-cancelled')),
        "to" text NOT NULL,
        subject text NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (order_id, template)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA notifications CASCADE');
  }
}
