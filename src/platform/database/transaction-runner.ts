import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';

type Scope = Map<DataSource, EntityManager>;
const scopes = new AsyncLocalStorage<Scope>();

/**
 * One transaction per unit of work. A nested `run` on the same data source joins the open
 * transaction, so a listener's inbox row and the command it triggers commit together.
 */
export class TransactionRunner {
  constructor(readonly dataSource: DataSource) {}

  current(): EntityManager | undefined {
    return scopes.getStore()?.get(this.dataSource);
  }

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = this.current();
    if (open) return work(open);
    return this.dataSource.transaction((manager) => {
      const scope: Scope = new Map(scopes.getStore() ?? []);
      scope.set(this.dataSource, manager);
      return scopes.run(scope, () => work(manager));
    });
  }
}
