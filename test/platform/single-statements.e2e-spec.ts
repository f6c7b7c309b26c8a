import { DataSource, QueryFailedError } from 'typeorm';
import { sql } from '../../src/platform/database/sql';
import { poolOf } from '../../src/platform/database/transaction-runner';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * A statement on its own (a data source's manager, no unit of work) runs on a pooled connection
 * with `pg` directly (sql.ts `alone`): what it answers, how it fails, and that it commits alone
 * and gives its connection back, failed or not, as TypeORM's query runner did.
 */
describe('single statements outside a unit of work (real Postgres)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('alone');
    dataSource = await new DataSource({ type: 'postgres', url: db.url, extra: { max: 2 } }).initialize();
    await dataSource.query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('answers rows and counts: INSERT, UPDATE … RETURNING, DELETE, SELECT', async () => {
    const m = dataSource.manager;
    expect(await sql.exec(m, 'INSERT INTO notes (id, body) VALUES ($1, $2), ($3, $4)', [1, 'a', 2, 'b'])).toEqual({ rows: [], affected: 2 });
    expect(await sql.exec(m, 'UPDATE notes SET body = body || $1 WHERE id = ANY($2::int[]) RETURNING id, body', ['!', [1, 2]])).toEqual({
      rows: expect.arrayContaining([{ id: 1, body: 'a!' }, { id: 2, body: 'b!' }]),
      affected: 2,
    });
    expect(await sql.rows(m, 'SELECT id FROM notes WHERE id = $1', [2])).toEqual([{ id: 2 }]);
    expect((await sql.exec(m, 'DELETE FROM notes WHERE id = $1', [2])).affected).toBe(1);
    // Committed on its own: another session sees it at once.
    expect(await db.query('SELECT id, body FROM notes ORDER BY id')).toEqual([{ id: 1, body: 'a!' }]);
  });

  it('fails as TypeORM did (QueryFailedError with the SQLSTATE), and a failed statement gives its connection back', async () => {
    const m = dataSource.manager;
    for (let i = 0; i < 5; i++) {
      const error = await sql.exec(m, 'INSERT INTO notes (id, body) VALUES ($1, $2)', [1, 'again']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryFailedError);
      expect(error).toMatchObject({ code: '23505', query: 'INSERT INTO notes (id, body) VALUES ($1, $2)' });
      await expect(sql.exec(m, 'SELECT $1::int AS n', ['not a number'])).rejects.toMatchObject({ name: 'QueryFailedError', code: '22P02' });
    }
    // A pool of 2 after 10 failures: still answers, nothing checked out.
    expect(await sql.one(m, 'SELECT count(*)::int AS n FROM notes')).toEqual({ n: 1 });
    const pool = poolOf(dataSource);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it('inside a TypeORM transaction (a manager with its query runner), runs in that transaction', async () => {
    await expect(
      dataSource.transaction(async (m) => {
        await sql.exec(m, 'INSERT INTO notes (id, body) VALUES ($1, $2)', [3, 'rolled back']);
        expect(await sql.rows(m, 'SELECT id FROM notes WHERE id = $1', [3])).toEqual([{ id: 3 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.query('SELECT id FROM notes WHERE id = 3')).toEqual([]);
  });
});
