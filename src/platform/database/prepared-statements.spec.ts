import { preparable } from './prepared-statements';

describe('preparable: which statements a connection may prepare (a cached generic plan must not depend on a size)', () => {
  it.each([
    'SELECT body FROM notes WHERE id = $1',
    'INSERT INTO notes (id, body) VALUES ($1, $2)',
    'UPDATE notes SET body = $2 WHERE id = $1',
    'DELETE FROM notes WHERE id = $1',
    'WITH x AS (SELECT 1) SELECT * FROM x WHERE $1::int > 0',
    'SELECT id FROM notes WHERE id IN ($1, $2, $3)',
  ])('prepares a plain statement: %s', (text) => expect(preparable(text)).toBe(true));

  it.each([
    // Queue claims: their best plan depends on the backlog.
    'SELECT id FROM jobs ORDER BY id LIMIT 10',
    'SELECT id FROM jobs WHERE due < now() FOR UPDATE SKIP LOCKED',
    // Arrays: a generic plan takes 10 elements, and a Seq Scan for 10 rows of a small table.
    'UPDATE notifications SET sent_at = now() WHERE id = ANY($1::uuid[])',
    'select sku from products where sku = any($1)',
    'SELECT 1 FROM t WHERE id = ANY (\n  $1)',
    'SELECT 1 FROM t WHERE id <> ALL($1)',
    'SELECT 1 FROM t WHERE id = SOME($1)',
    'SELECT 1 FROM t WHERE id = ANY (CAST($1 AS uuid[]))',
    'SELECT 1 FROM t WHERE id = ANY(ARRAY[$1, $2])',
    "SELECT 1 FROM t WHERE id = ANY(string_to_array($1, ','))",
    'SELECT 1 FROM t WHERE id IN (SELECT unnest($1::uuid[]))',
    'UPDATE t SET n = u.n FROM unnest($1::int[], $2::int[]) AS u(id, n) WHERE t.id = u.id',
    // Several statements, or none of the kinds above.
    'UPDATE t SET n = 1 WHERE id = $1; COMMIT',
    'LOCK TABLE t',
  ])('leaves inlined: %s', (text) => expect(preparable(text)).toBe(false));
});
