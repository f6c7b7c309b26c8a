import { deleteNamespace, NATS_URL, testNamespace } from '../test-broker';
import { createTestDatabase, TestDatabase } from '../test-database';
import { AppProcess } from './app-process';
import { composeServices, localEnvironment } from './compose-services';
import { Shop } from './shop';

/** The HTTP routes of each module: a process serves those of its own modules only. */
const ROUTES: Record<string, string[]> = {
  orders: ['/orders', '/catalog'],
  inventory: ['/inventory'],
  payments: ['/payments'],
  notifications: ['/notifications'],
};

/**
 * The `services` profile of docker-compose.yml, started as plain processes of the built app
 * (`dist/main.js`), replicas included: orders+inventory, payments x2 on a database of its own,
 * notifications. Nothing about the topology is written here; the compose file is the source.
 */
export class ProcessShop extends Shop {
  readonly topology: string = 'services of docker-compose.yml (orders+inventory, payments x2 on its own database, notifications)';
  readonly namespace: string;
  readonly transport = 'jetstream';
  db!: TestDatabase;
  paymentsDb!: TestDatabase;
  readonly services = new Map<string, AppProcess>();

  /** Without `groups`: the compose `services` profile. With them: one process per group of modules, one database. */
  constructor(
    readonly name: string,
    private readonly groups?: string[][],
    private readonly env: Record<string, string> = {},
  ) {
    super();
    this.namespace = testNamespace(name);
    if (groups) this.topology = `one process per group: ${groups.map((g) => g.join('+')).join(' | ')}`;
  }

  async setUp(): Promise<this> {
    const tuning = { DATABASE_POOL_SIZE: '6', RELAY_POLL_MAX_MS: '200', RATE_LIMIT_PER_MINUTE: '1000000', MESSAGING_NAMESPACE: this.namespace, ...this.env };
    if (this.groups) {
      this.db = this.paymentsDb = await createTestDatabase(this.name);
      for (const group of this.groups) {
        const env = { APP_MODULES: group.join(','), DATABASE_URL: this.db.url, NATS_URL, ...tuning };
        this.services.set(group.join('+'), new AppProcess(group.join('+'), env));
      }
      await Promise.all([...this.services.values()].map((s) => s.start()));
      return this;
    }
    [this.db, this.paymentsDb] = await Promise.all([createTestDatabase(this.name), createTestDatabase(`${this.name}_pay`)]);
    const databases = { shop: this.db.url, shop_payments: this.paymentsDb.url };
    for (const spec of composeServices('services')) {
      const env = { ...localEnvironment(spec.environment, databases, NATS_URL, spec.secretFiles), ...tuning };
      for (let replica = 1; replica <= spec.replicas; replica++) {
        const name = spec.replicas > 1 ? `${spec.name}-${replica}` : spec.name;
        this.services.set(name, new AppProcess(name, env));
      }
    }
    await Promise.all([...this.services.values()].map((s) => s.start()));
    return this;
  }

  service(name: string): AppProcess {
    return this.services.get(name)!;
  }

  async tearDown(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop()));
    await Promise.all([this.db?.drop(), this.paymentsDb !== this.db ? this.paymentsDb?.drop() : undefined]);
    await deleteNamespace(this.namespace);
  }

  protected baseUrlFor(path: string): string {
    // The first running process whose modules serve the path (a restarting replica's twin answers).
    const serving = [...this.services.values()].filter((s) => s.running && modulesOf(s).some((m) => ROUTES[m].some((r) => path.startsWith(r))));
    return (serving[0] ?? this.services.values().next().value!).url;
  }
}

const modulesOf = (service: AppProcess) => (service.env.APP_MODULES ?? '').split(',');
