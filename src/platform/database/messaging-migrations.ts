import { MigrationInterface, QueryRunner } from 'typeorm';

type MigrationClass = new () => MigrationInterface;

/**
 * Later changes to the messaging tables every module owns, added to each module's own
 * migrations by the platform (each schema has its own migrations table).
 */
export function messagingMigrations(schema: string): MigrationClass[] {
  const s = `"${schema}"`;
  class MessagingDeliveryFailures1700000100000 implements MigrationInterface {
    async up(runner: QueryRunner): Promise<void> {
      // The handler's own failures per delivery: outages and "not yet" are not counted here.
      await runner.query(`
        CREATE TABLE ${s}.delivery_failure (
          consumer text NOT NULL,
          event_id uuid NOT NULL,
          failures integer NOT NULL,
          last_error text,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (consumer, event_id)
        )`);
      // Per-aggregate order rests on these numbers: a duplicate can never be committed.
      await runner.query(`
        CREATE UNIQUE INDEX outbox_aggregate_version ON ${s}.outbox (aggregate_type, aggregate_id, aggregate_version)`);
    }

    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP INDEX ${s}.outbox_aggregate_version`);
      await runner.query(`DROP TABLE ${s}.delivery_failure`);
    }
  }
  return [MessagingDeliveryFailures1700000100000];
}
