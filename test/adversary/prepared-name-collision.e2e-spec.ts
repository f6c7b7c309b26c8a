import { Client, PoolClient } from 'pg';
import { sql } from '../../src/platform/database/sql';
import { PreparedStatements } from '../../src/platform/database/prepared-statements';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { runnerOnPool } from '../support/pool-runner';

/**
 * Two app processes behind a transaction-mode pooler (PgBouncer) with DATABASE_PREPARED_STATEMENTS left
 * at its default (true). Were both to name their statements shop_0, shop_1... an EXECUTE routed to a
 * server session prepared by the other process would run the OTHER process's statement with these
 * values. Each process's names carry a random prefix: a foreign session answers 26000 instead.
 * Simulated: each "process" (its own prefix and counter) sees one client object whose server session
 * the pooler switches.
 */
describe('adversary: shop_N names collide across processes behind a session-switching pooler', () => {
  let db: TestDatabase;
  const s1 = () => new Client({ connectionString: db.url });
  beforeAll(async () => (db = await createTestDatabase('advname')));
  afterAll(async () => db?.drop());

  it('an EXECUTE never runs a statement this process did not prepare', async () => {
    const [sessionA, sessionB] = [s1(), s1()];
    await sessionA.connect();
    await sessionB.connect();
    await sessionA.query('CREATE SCHEMA n; CREATE TABLE n.account (id int PRIMARY KEY, balance int); CREATE TABLE n.stock (id int PRIMARY KEY, qty int); INSERT INTO n.account VALUES (7, 100); INSERT INTO n.stock VALUES (7, 0)');
    const processClient = (initial: Client) => {
      const state = { server: initial };
      const client = new Proxy({} as PoolClient, {
        get: (_, prop) => {
          if (prop === 'release') return () => undefined;
          const v = (state.server as unknown as Record<string | symbol, unknown>)[prop];
          return typeof v === 'function' ? v.bind(state.server) : v;
        },
      });
      const runner = runnerOnPool({ connect: async () => client }, true);
      return { state, runner };
    };
    const a = processClient(sessionA);
    const b = processClient(sessionB);
    const next = PreparedStatements as unknown as { next: number; prefix: string };
    const ownPrefix = next.prefix;
    expect(ownPrefix).toMatch(/^shop_[0-9a-f]{8}_$/);
    // Process A (counter from 0): its debit is prepared as <A's prefix>0 on server session A.
    next.next = 0;
    next.prefix = 'shop_aaaaaaaa_';
    for (let i = 0; i < 2; i++) await a.runner.run((m) => sql.exec(m, 'UPDATE n.account SET balance = balance - $2 WHERE id = $1', [7, 0]));
    // Process B (its own counter, also from 0): its stock write is prepared as shop_0 on server session B.
    next.next = 0;
    next.prefix = 'shop_bbbbbbbb_';
    for (let i = 0; i < 2; i++) await b.runner.run((m) => sql.exec(m, 'UPDATE n.stock SET qty = $2 WHERE id = $1', [7, 0]));
    // The pooler gives B's next transaction server session A.
    b.state.server = sessionA;
    const outcome = await b.runner.run((m) => sql.exec(m, 'UPDATE n.stock SET qty = $2 WHERE id = $1', [7, 5])).then(() => 'ok', (e: Error) => e.message);
    next.prefix = ownPrefix;
    const account = (await sessionB.query('SELECT balance FROM n.account WHERE id = 7')).rows[0].balance;
    const stock = (await sessionB.query('SELECT qty FROM n.stock WHERE id = 7')).rows[0].qty;
    await sessionA.end();
    await sessionB.end();
    // A 26000 (heal) would be acceptable; a silent write to another table is not.
    expect({ outcome, account, stock }).not.toEqual({ outcome: 'ok', account: 95, stock: 0 });
    expect({ account, stock }).toEqual({ account: 100, stock: expect.any(Number) });
  });
});
