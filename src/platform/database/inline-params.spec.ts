import { inlineParams, withoutInlinedValues } from './inline-params';

describe('inlineParams', () => {
  it('replaces each parameter with its escaped literal, $11 not read as $1 then 1', () => {
    const values = Array.from({ length: 11 }, (_, i) => `v${i + 1}`);
    expect(inlineParams('SELECT $1, $11, $2', values)).toBe("SELECT 'v1', 'v11', 'v2'");
  });

  it('escapes quotes and backslashes as pg does, and writes NULL for null and undefined', () => {
    expect(inlineParams('SELECT $1, $2, $3', ["o'brien", 'a\\b', null])).toBe("SELECT 'o''brien',  E'a\\\\b', NULL");
    expect(inlineParams('SELECT $1', [undefined])).toBe('SELECT NULL');
  });

  it('gives arrays, numbers, booleans, dates and objects their text form', () => {
    expect(inlineParams('SELECT $1::uuid[], $2, $3, $4::jsonb', [['a', 'b"c'], 5, true, { k: "it's" }])).toBe(
      `SELECT  E'{"a","b\\\\"c"}'::uuid[], '5', 'true', '{"k":"it''s"}'::jsonb`,
    );
    expect(inlineParams('SELECT $1::timestamptz', [new Date(0)])).toMatch(/^SELECT '1970-01-01T\d\d:00:00\.000[+-]\d\d:\d\d'::timestamptz$/);
  });

  it('leaves quoted text and identifiers alone and keeps doubled quotes', () => {
    expect(inlineParams(`SELECT 'it''s $ free' AS "a""b", $1`, [1])).toBeUndefined();
    expect(inlineParams(`SELECT 'it''s' AS "a""b", $1 * interval '1 millisecond'`, [2])).toBe(`SELECT 'it''s' AS "a""b", '2' * interval '1 millisecond'`);
  });

  it('refuses what it cannot inline safely: dollar quoting, missing values, comments, NUL, bytes', () => {
    expect(inlineParams('SELECT $$x$$', [])).toBeUndefined();
    expect(inlineParams('SELECT $2', [1])).toBeUndefined();
    expect(inlineParams('SELECT $0', [1])).toBeUndefined();
    expect(inlineParams('SELECT 1 -- $1', [1])).toBeUndefined();
    expect(inlineParams('SELECT $1', ['a\0b'])).toBeUndefined();
    expect(inlineParams('SELECT $1', [Buffer.from('x')])).toBeUndefined();
    expect(inlineParams("SELECT 'open", [])).toBeUndefined();
  });

  it('refuses block comments and backslashes in the text: a value there would end the comment or the E literal', () => {
    // Inlined, Postgres ran "SELECT 1 ; DELETE FROM canary;" with the rest commented out.
    expect(inlineParams('SELECT 1 /* $1 */', ['*/ ; DELETE FROM canary; /*'])).toBeUndefined();
    expect(inlineParams('SELECT 1 /* note */, $1', ['x'])).toBeUndefined();
    expect(inlineParams("SELECT E'\\' $1 \\''", ["x'; DELETE FROM canary; --"])).toBeUndefined();
    expect(inlineParams("SELECT 'a\\', $1", ['x'])).toBeUndefined();
  });
});

describe('withoutInlinedValues', () => {
  it('masks every literal of a statement sent with BEGIN or COMMIT, doubled quotes and E literals included', () => {
    const inlined = inlineParams('INSERT INTO t (a, b, c) VALUES ($1, $2, $3::jsonb)', ["o'brien@example.com", 'a\\b', { card: "tok_'x" }])!;
    expect(withoutInlinedValues(`BEGIN; ${inlined}`)).toBe(`BEGIN; INSERT INTO t (a, b, c) VALUES ('?',  E'?', '?'::jsonb)`);
    expect(withoutInlinedValues(`${inlined};\nCOMMIT`)).not.toMatch(/brien|tok_/);
  });

  it('masks the arguments of an EXECUTE of a prepared statement', () => {
    expect(withoutInlinedValues(`EXECUTE shop_1('o''brien@example.com', NULL, '{"card":"tok_x"}')`)).toBe(`EXECUTE shop_1('?', NULL, '?')`);
  });

  it('leaves a parameterised statement as it is', () => {
    expect(withoutInlinedValues(`SELECT 1 FROM t WHERE s IN ('PENDING') AND id = $1`)).toBe(`SELECT 1 FROM t WHERE s IN ('PENDING') AND id = $1`);
  });
});
