import { QueryRunner } from 'typeorm';

/** The outbox, inbox and dead-letter tables every module owns in its schema (ARCHITECTURE §5). */
export async function createMessagingTables(runner: QueryRunner, schema: string): Promise<void> {
  await runner.query(`
    CREATE TABLE "${schema}".outbox (
      id uuid PRIMARY KEY,
      seq bigserial NOT NULL,
      type text NOT NULL,
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      aggregate_version integer NOT NULL,
      envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      available_at timestamptz NOT NULL DEFAULT now(),
      -- Unused since the relay claims by row locks (outbox-claims.ts): kept for relays of the previous version during a rolling upgrade.
      locked_until timestamptz,
      locked_by text,
      last_error text
    )`);
  // Partial indexes keep the relay's claim cheap however many published rows pile up.
  await runner.query(`CREATE INDEX outbox_unpublished_seq ON "${schema}".outbox (seq) WHERE published_at IS NULL`);
  await runner.query(`
    CREATE INDEX outbox_unpublished_aggregate
      ON "${schema}".outbox (aggregate_type, aggregate_id, aggregate_version) WHERE published_at IS NULL`);
  await runner.query(`CREATE INDEX outbox_published_at ON "${schema}".outbox (published_at) WHERE published_at IS NOT NULL`);
  await runner.query(`
    CREATE TABLE "${schema}".inbox (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      type text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`);
  await runner.query(`
    CREATE TABLE "${schema}".dead_letter (
      id uuid PRIMARY KEY,
      source text NOT NULL CHECK (source IN ('outbox', 'inbox')),
      consumer text,
      event_id text,
      type text,
      envelope jsonb,
      raw text,
      error text NOT NULL,
      attempts integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      retried_at timestamptz
    )`);
  await runner.query(`CREATE INDEX dead_letter_open ON "${schema}".dead_letter (created_at) WHERE retried_at IS NULL`);
}
