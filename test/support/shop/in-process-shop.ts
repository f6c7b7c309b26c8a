import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../../src/app.module';
import { deleteNamespace, testNamespace } from '../test-broker';
import { createTestDatabase, TestDatabase } from '../test-database';
import { startApp, TestEnv } from '../test-app';
import { Shop } from './shop';

/** The monolith: every module in one Nest app, built by Nest's testing module, on real HTTP. */
export class InProcessShop extends Shop {
  readonly topology: string;
  readonly transport: 'jetstream' | 'in-process';
  readonly namespace: string;
  db!: TestDatabase;
  app!: NestFastifyApplication;
  private baseUrl = '';

  constructor(
    readonly name: string,
    private readonly env: TestEnv = {},
  ) {
    super();
    this.namespace = testNamespace(name);
    this.transport = env.NATS_URL === '' ? 'in-process' : 'jetstream';
    this.topology = `one process, all modules, ${this.transport} transport`;
  }

  get paymentsDb(): TestDatabase {
    return this.db;
  }

  async setUp(): Promise<this> {
    this.db = await createTestDatabase(this.name);
    this.app = await startApp((c) => AppModule.forRoot(c), {
      DATABASE_URL: this.db.url,
      MESSAGING_NAMESPACE: this.namespace,
      ...this.env,
    });
    await this.app.listen(0, '127.0.0.1');
    this.baseUrl = await this.app.getUrl();
    return this;
  }

  async tearDown(): Promise<void> {
    await this.app?.close();
    await this.db?.drop();
    if (this.transport === 'jetstream') await deleteNamespace(this.namespace);
  }

  protected baseUrlFor(): string {
    return this.baseUrl;
  }
}
