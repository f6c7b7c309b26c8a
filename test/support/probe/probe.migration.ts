import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables } from '../../../src/platform/database/messaging-tables';

export class ProbeInit1700000000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'probe');
    // No unique key on purpose: a second effect of one event must show up as a second row.
    await runner.query(`CREATE TABLE probe.effects (id bigserial PRIMARY KEY, event_id uuid NOT NULL, n integer NOT NULL)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA probe CASCADE');
  }
}
