import { Client } from 'pg';
import { deleteNamespace, testNamespace } from '../../support/test-broker';
import { createTestDatabase, TestDatabase } from '../../support/test-database';
import { ChildServer } from './child-server';
import { OrderTarget } from './open-loop';
import { cpuMsOf } from './process-cpu';

/** The bare chain (bare/bare-chain.ts) as its own process on a fresh database. */
export class BareChainTarget implements OrderTarget {
  readonly skus = Array.from({ length: 50 }, (_, i) => `BENCH-${i}`);
  private db!: TestDatabase;
  private server!: ChildServer;
  private client!: Client;
  private readonly namespace = testNamespace('benchbare');

  constructor(
    readonly label: string,
    private readonly natsUrl: string,
    private readonly poolSize: number,
  ) {}

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  async start(): Promise<this> {
    this.db = await createTestDatabase('benchbare');
    this.server = await new ChildServer('bare/bare-chain.ts', {
      BARE_DATABASE_URL: this.db.url,
      BARE_NATS_URL: this.natsUrl,
      BARE_NAMESPACE: this.namespace,
      BARE_POOL_SIZE: String(this.poolSize),
    }).start();
    this.client = new Client({ connectionString: this.db.url });
    await this.client.connect();
    return this;
  }

  cpuMs(): number | undefined {
    return cpuMsOf(this.server.pid);
  }

  async confirmedAt(ids: string[]): Promise<Map<string, number>> {
    const { rows } = await this.client.query<{ id: string; t: number }>(
      `SELECT id, extract(epoch FROM confirmed_at) * 1000 AS t FROM bare.orders WHERE status = 'CONFIRMED' AND id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, Number(r.t)]));
  }

  /** The same measure as the shop's (ShopUnderTest.hopLatencies). */
  async hopLatencies(sinceMs: number): Promise<number[]> {
    const { rows } = await this.client.query<{ ms: number }>(
      `SELECT (extract(epoch FROM i.processed_at) - extract(epoch FROM (o.envelope->>'occurredAt')::timestamptz)) * 1000 AS ms
       FROM bare.inbox i JOIN bare.outbox o ON o.id = i.event_id
       WHERE (o.envelope->>'occurredAt')::timestamptz >= to_timestamp($1::float8 / 1000)`,
      [sinceMs],
    );
    return rows.map((r) => Number(r.ms));
  }

  async stop(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    await this.server?.stop();
    await this.db?.drop();
    if (this.natsUrl) await deleteNamespace(this.namespace);
  }
}
