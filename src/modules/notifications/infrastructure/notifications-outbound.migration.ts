import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An e-mail is recorded with the event (in the consumer's transaction) and sent afterwards by
 * a worker, so an SMTP outage never fails or delays the event path: it only delays the mail.
 */
export class NotificationsOutbound1700000000014 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE notifications.notifications
        ALTER COLUMN sent_at DROP NOT NULL,
        ALTER COLUMN sent_at DROP DEFAULT,
        ADD COLUMN body text NOT NULL DEFAULT '',
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN claimed_until timestamptz,
        ADD COLUMN last_error text`);
    await runner.query(`CREATE INDEX notifications_unsent ON notifications.notifications (next_attempt_at) WHERE sent_at IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX notifications.notifications_unsent');
  }
}
