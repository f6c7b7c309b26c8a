import { MigrationInterface, QueryRunner } from 'typeorm';

/** Events are pruned by when they were recorded (a producer's clock can be far off, or absent): indexed for it. */
export class ActivityRecordedIndex1700000000022 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX IF NOT EXISTS event_recorded ON activity.event (recorded_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX IF EXISTS activity.event_recorded');
  }
}
