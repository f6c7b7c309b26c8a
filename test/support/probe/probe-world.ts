import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Provider } from '@nestjs/common';
import { ModuleRegistry } from '../../../src/platform/messaging/module-registry';
import { deleteNamespace, testNamespace } from '../test-broker';
import { createTestDatabase, TestDatabase } from '../test-database';
import { startApp, TestEnv } from '../test-app';
import { ProbeAppModule } from './probe.app';
import { ProbeService } from './probe.module';

/** One suite's world: its database, its namespace, and the probe apps it started. */
export class ProbeWorld {
  readonly apps: NestFastifyApplication[] = [];
  db!: TestDatabase;
  readonly namespace: string;

  constructor(readonly name: string) {
    this.namespace = testNamespace(name);
  }

  get stream(): string {
    return `${this.namespace.toUpperCase()}_PROBE`;
  }

  async setUp(): Promise<this> {
    this.db = await createTestDatabase(this.name);
    return this;
  }

  async start(env: TestEnv = {}, overrides: Provider[] = []): Promise<NestFastifyApplication> {
    const app = await startApp((c) => ProbeAppModule.forRoot(c, overrides), {
      DATABASE_URL: this.db.url,
      MESSAGING_NAMESPACE: this.namespace,
      ...env,
    });
    this.apps.push(app);
    return app;
  }

  probe(app: NestFastifyApplication): ProbeService {
    return app.get(ProbeService);
  }

  messaging(app: NestFastifyApplication) {
    return app.get(ModuleRegistry).get('probe');
  }

  async count(sql: string, params: unknown[] = []): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`, params);
    return row.n;
  }

  unpublished(): Promise<number> {
    return this.count('SELECT 1 FROM probe.outbox WHERE published_at IS NULL');
  }

  async tearDown(): Promise<void> {
    for (const app of this.apps.reverse()) await app.close().catch(() => undefined);
    await this.db?.drop();
    await deleteNamespace(this.namespace);
  }
}
