import { AsyncLocalStorage } from 'node:async_hooks';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PreparedStatements } from './prepared-statements';
import { SqlTransaction } from './sql-transaction';

type Scope = Map<DataSource, SqlTransaction>;
const scopes = new AsyncLocalStorage<Scope>();

/** The pg pool under a TypeORM data source: units of work and the relay use the module's own connections. */
export const poolOf = (dataSource: DataSource): Pool => (dataSource.driver as unknown as { master: Pool }).master;

/**
 * One transaction per unit of work, on pg directly (TypeORM keeps the connections and the
 * migrations; on this path it only added cost). A nested `run` on the same data source joins the
 * open transaction, so a listener's inbox row and the command it triggers commit together.
 */
export class TransactionRunner {
  /** `prepare`: statements run often on a connection are prepared there (PreparedStatements). */
  constructor(
    readonly dataSource: DataSource,
    private readonly prepare = true,
  ) {}

  current(): SqlTransaction | undefined {
    return scopes.getStore()?.get(this.dataSource);
  }

  /** Runs `callback` once the open transaction has committed (at once when none is open); never after a rollback. */
  afterCommit(callback: () => void): void {
    const open = this.current();
    if (open?.open) open.afterCommit.push(callback);
    else callback();
  }

  run<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.unit(work, false);
  }

  /**
   * Work of exactly one statement (a claim, a mark, a read), which is a transaction by itself:
   * sent alone, without BEGIN and COMMIT (one round trip instead of two). A second statement
   * throws. Inside an open transaction it joins that one.
   */
  single<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.unit(work, true);
  }

  private async unit<T>(work: (tx: SqlTransaction) => Promise<T>, single: boolean): Promise<T> {
    const open = this.current();
    if (open?.open) return work(open);
    const client = await poolOf(this.dataSource).connect();
    // A session ended while no statement runs surfaces as an 'error' event: unheard, it would end the process.
    const onError = () => undefined;
    client.on('error', onError);
    const statements = this.prepare ? PreparedStatements.of(client) : undefined;
    const tx = new SqlTransaction(client, single, statements);
    try {
      const scope: Scope = new Map(scopes.getStore() ?? []);
      scope.set(this.dataSource, tx);
      let result: T;
      try {
        result = await scopes.run(scope, () => work(tx));
      } catch (error) {
        await tx.rollback();
        throw error;
      }
      await tx.commit();
      tx.afterCommit.forEach((callback) => callback());
      return result;
    } finally {
      // Still listening: a connection that breaks during the PREPAREs must not end the process.
      const healthy = tx.handedOff || tx.unusable || !statements || (await statements.prepareDue());
      client.off('error', onError);
      // A hand-off (the relay's claim after the outbox's commit) owns the connection now and releases it.
      if (!tx.handedOff) client.release(tx.unusable || !healthy ? new Error('connection left in an unknown state') : undefined);
    }
  }
}
