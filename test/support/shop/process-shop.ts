import { deleteNamespace, NATS_URL, testNamespace } from '../test-broker';
import { createTestDatabase, TestDatabase } from '../test-database';
import { AppProcess } from './app-process';
import { Shop } from './shop';

/** Which process serves a path: each process serves its own modules' routes only. */
const ROUTES: [prefix: string, service: string][] = [
  ['/inventory', 'orders-inventory'],
  ['/orders', 'orders-inventory'],
  ['/catalog', 'orders-inventory'],
  ['/payments', 'payments-1'],
  ['/notifications', 'notifications'],
];

/**
 * The service deployment: the same build started four times with different APP_MODULES,
 * payments twice (competing consumers, shared relay leases) and on a database of its own.
 */
export class ProcessShop extends Shop {
  readonly topology = 'services: orders+inventory, payments x2 on its own database, notifications';
  readonly namespace: string;
  readonly transport = 'jetstream';
  db!: TestDatabase;
  paymentsDb!: TestDatabase;
  readonly services = new Map<string, AppProcess>();

  constructor(readonly name: string) {
    super();
    this.namespace = testNamespace(name);
  }

  async setUp(): Promise<this> {
    [this.db, this.paymentsDb] = await Promise.all([createTestDatabase(this.name), createTestDatabase(`${this.name}_pay`)]);
    const common = {
      DATABASE_URL: this.db.url,
      DATABASE_URL_PAYMENTS: this.paymentsDb.url,
      NATS_URL,
      MESSAGING_NAMESPACE: this.namespace,
      DATABASE_POOL_SIZE: '6',
      RELAY_POLL_MAX_MS: '200',
    };
    const specs: [string, string][] = [
      ['orders-inventory', 'orders,inventory'],
      ['payments-1', 'payments'],
      ['payments-2', 'payments'],
      ['notifications', 'notifications'],
    ];
    for (const [name, modules] of specs) this.services.set(name, new AppProcess(name, { ...common, APP_MODULES: modules }));
    await Promise.all([...this.services.values()].map((s) => s.start()));
    return this;
  }

  service(name: string): AppProcess {
    return this.services.get(name)!;
  }

  async tearDown(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop()));
    await Promise.all([this.db?.drop(), this.paymentsDb?.drop()]);
    await deleteNamespace(this.namespace);
  }

  protected baseUrlFor(path: string): string {
    const route = ROUTES.find(([prefix]) => path.startsWith(prefix));
    let service = this.service(route?.[1] ?? 'orders-inventory');
    // While one payments replica restarts, its twin answers.
    if (!service.running && service.name === 'payments-1') service = this.service('payments-2');
    return service.url;
  }
}
