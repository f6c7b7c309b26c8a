import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables } from '../../../platform/database/messaging-tables';

/**
 * The activity schema: every event's headers as read from the streams (ids kept as text: a
 * broken producer's id must not stop the recording), and what each consumer did with it where
 * this process saw it.
 */
export class ActivityInit1700000000020 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'activity');
    await runner.query(`
      CREATE TABLE activity.event (
        event_id text PRIMARY KEY,
        type text NOT NULL,
        version integer,
        producer text NOT NULL,
        aggregate_type text,
        aggregate_id text,
        correlation_id text,
        causation_id text,
        occurred_at timestamptz,
        stream text,
        stream_seq bigint,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX event_correlation ON activity.event (correlation_id)');
    await runner.query('CREATE INDEX event_occurred ON activity.event (occurred_at)');
    await runner.query(`
      CREATE TABLE activity.delivery (
        event_id text NOT NULL,
        consumer text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('processed', 'dead-lettered')),
        at timestamptz NOT NULL,
        PRIMARY KEY (event_id, consumer)
      )`);
    await runner.query('CREATE INDEX delivery_at ON activity.delivery (at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA activity CASCADE');
  }
}
