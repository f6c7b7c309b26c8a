import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';

interface OpenTransaction {
  manager: EntityManager;
  afterCommit: (() => void)[];
}
type Scope = Map<DataSource, OpenTransaction>;
const scopes = new AsyncLocalStorage<Scope>();

/**
 * One transaction per unit of work. A nested `run` on the same data source joins the open
 * transaction, so a listener's inbox row and the command it triggers commit together.
 */
export class TransactionRunner {
  constructor(readonly dataSource: DataSource) {}

  current(): EntityManager | undefined {
    return scopes.getStore()?.get(this.dataSource)?.manager;
  }

  /** Runs `callback` once the open transaction has committed (at once when none is open); never after a rollback. */
  afterCommit(callback: () => void): void {
    const open = scopes.getStore()?.get(this.dataSource);
    if (open) open.afterCommit.push(callback);
    else callback();
  }

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = this.current();
    if (open) return work(open);
    const afterCommit: (() => void)[] = [];
    const result = await this.dataSource.transaction((manager) => {
      const scope: Scope = new Map(scopes.getStore() ?? []);
      scope.set(this.dataSource, { manager, afterCommit });
      return scopes.run(scope, () => work(manager));
    });
    afterCommit.forEach((callback) => callback());
    return result;
  }
}
