import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * TransactionRunner.unit removes its 'error' listener, then awaits prepareDue() before release:
 * for a whole round trip (here: a PREPARE waiting on a migration's lock) the checked-out client has
 * no 'error' listener at all (pg-pool removed its idle listener at checkout). A session ended then
 * makes pg emit 'error' ('Connection terminated unexpectedly') with nobody listening: the process dies.
 */
describe('adversary: session ended during prepareDue', () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase('advcrash')));
  afterAll(async () => db?.drop());

  it('the process survives and the unit of work (already done) answers', () => {
    const child = spawnSync(join(__dirname, '../../node_modules/.bin/tsx'), [join(__dirname, 'prepare-due-crash.child.ts'), db.url], { encoding: 'utf8', timeout: 60_000 });
    console.log(child.stdout, child.stderr);
    expect(child.stdout).toContain('SURVIVED');
    expect(child.status).toBe(0);
  });
});
