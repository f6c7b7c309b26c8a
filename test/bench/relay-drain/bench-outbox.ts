import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { messagingMigrations } from '../../../src/platform/database/messaging-migrations';
import { createMessagingTables } from '../../../src/platform/database/messaging-tables';

export const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Events per aggregate, as an order's life has a few (placed, confirmed or cancelled, ...). */
const VERSIONS = 4;

export interface WalUse {
  /** Bytes of WAL records touching this database's relations. */
  bytes: number;
  /** Of which full-page images (the first change of a page after a checkpoint). */
  fpiBytes: number;
  /** The whole cluster's WAL over the same span (other users of the server included). */
  clusterBytes: number;
}

/** A database of the bench's own with one module's messaging tables, filled by SQL. */
export class BenchOutbox {
  readonly name = `bench_relay_${randomBytes(4).toString('hex')}`;
  readonly url: string;
  dataSource!: DataSource;
  private admin = new Client({ connectionString: POSTGRES });
  private oid = 0;

  constructor(readonly schema = 'bench') {
    const url = new URL(POSTGRES);
    url.pathname = `/${this.name}`;
    this.url = url.toString();
  }

  async create(): Promise<void> {
    await this.admin.connect();
    await this.admin.query(`CREATE DATABASE ${this.name}`);
    this.dataSource = await new DataSource({ type: 'postgres', url: this.url, extra: { max: 10 } }).initialize();
    const runner = this.dataSource.createQueryRunner();
    await runner.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    await runner.query(`CREATE SCHEMA ${this.schema}`);
    await createMessagingTables(runner, this.schema);
    for (const Migration of messagingMigrations(this.schema)) await new Migration().up(runner);
    await runner.release();
    [{ oid: this.oid }] = await this.dataSource.query('SELECT oid::int AS oid FROM pg_database WHERE datname = current_database()');
  }

  /**
   * `rows` unpublished events of `rows / 4` aggregates, each about as big as an OrderPlaced
   * (≈ 600 bytes), in commit order: a thousand aggregates' first events, then their second, ...
   * Ids are time-ordered like the product's UUIDv7. Then VACUUM ANALYZE, as autovacuum would.
   */
  async fill(rows: number): Promise<void> {
    const aggregates = Math.ceil(rows / VERSIONS);
    const chunk = 25_000;
    for (let from = 0; from < aggregates; from += chunk) {
      await this.dataSource.query(
        `INSERT INTO ${this.schema}.outbox (id, type, aggregate_type, aggregate_id, aggregate_version, envelope)
         SELECT id, 'bench.ThingHappened', 'Thing', agg, v, jsonb_build_object(
           'id', id, 'type', 'bench.ThingHappened', 'version', 1, 'occurredAt', now(), 'aggregateType', 'Thing',
           'aggregateId', agg, 'aggregateVersion', v, 'correlationId', agg, 'causationId', id,
           'payload', jsonb_build_object('customerId', agg, 'customerEmail', 'someone@example.com', 'paymentToken', 'tok_visa',
             'totalCents', 5997, 'items', jsonb_build_array(
               jsonb_build_object('sku', 'SKU-RED-SHIRT', 'quantity', 2, 'unitPriceCents', 1999),
               jsonb_build_object('sku', 'SKU-BLUE-HAT', 'quantity', 1, 'unitPriceCents', 1999))))
         FROM (SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000000)::bigint), 14, '0')
                       || substr(md5(random()::text), 1, 18))::uuid AS id,
                      '0190a0c4-7f1e-7000-8000-' || lpad(a::text, 12, '0') AS agg, v
               FROM generate_series($1::int, $2::int) a, generate_series(1, ${VERSIONS}) v
               ORDER BY a / 1000, v, a) next
         LIMIT $3`,
        [from, Math.min(from + chunk, aggregates) - 1, rows - from * VERSIONS],
      );
    }
    await this.dataSource.query(`VACUUM ANALYZE ${this.schema}.outbox`);
  }

  /**
   * Autovacuum is off on this machine's Postgres; production runs it with the outbox's own
   * thresholds (messaging-migrations.ts: 20,000 dead rows + 1% of the table). This does what it
   * would, while `running()`: a drain on a big table without it measures dead versions, not the relay.
   */
  async vacuumLikeAutovacuum(running: () => boolean): Promise<number> {
    let vacuums = 0;
    const session = this.dataSource.createQueryRunner();
    // Throttled as autovacuum is by default (a manual VACUUM is not).
    await session.query(`SET vacuum_cost_delay = '2ms'`);
    await session.query('SET vacuum_cost_limit = 200');
    while (running()) {
      const [row] = await session.query(
        `SELECT n_dead_tup >= 20000 + 0.01 * greatest(n_live_tup, 0) AS due FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'outbox'`,
        [this.schema],
      );
      if (row?.due) {
        await session.query(`VACUUM ${this.schema}.outbox`);
        vacuums++;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await session.release();
    return vacuums;
  }

  async envelopeBytes(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT avg(octet_length(envelope::text))::int AS n FROM ${this.schema}.outbox`);
    return row.n;
  }

  async sampleEnvelope(): Promise<string> {
    const [row] = await this.dataSource.query(`SELECT envelope::text AS e FROM ${this.schema}.outbox LIMIT 1`);
    return row.e;
  }

  async unpublished(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM ${this.schema}.outbox WHERE published_at IS NULL`);
    return row.n;
  }

  /** Holds the WAL from here on (a replication slot) so that a checkpoint cannot recycle it before it is read. */
  async walPosition(): Promise<string> {
    await this.dataSource.query('SELECT pg_create_physical_replication_slot($1, true)', [this.name]).catch(() => undefined);
    const [row] = await this.dataSource.query('SELECT pg_current_wal_lsn()::text AS lsn');
    return row.lsn;
  }

  /** This database's WAL between two positions (commit records carry no relation, so they are left out: ≈ 40 B a batch). */
  async walBetween(from: string, to: string): Promise<WalUse> {
    // Asynchronous commits reach the disk within wal_writer_delay; pg_walinspect reads flushed WAL only.
    while ((await this.dataSource.query('SELECT pg_current_wal_flush_lsn() < $1::pg_lsn AS behind', [to]))[0].behind) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const [row] = await this.dataSource.query(
      `SELECT coalesce(sum(record_length), 0)::float8 AS bytes, coalesce(sum(fpi_length), 0)::float8 AS fpi,
              pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::float8 AS cluster
       FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) WHERE block_ref LIKE $3`,
      [from, to, `%/${this.oid}/%`],
    );
    return { bytes: row.bytes, fpiBytes: row.fpi, clusterBytes: row.cluster };
  }

  async drop(): Promise<void> {
    await this.admin.query('SELECT pg_drop_replication_slot($1)', [this.name]).catch(() => undefined);
    await this.dataSource?.destroy();
    await this.admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`).catch(() => undefined);
    await this.admin.end();
  }
}
