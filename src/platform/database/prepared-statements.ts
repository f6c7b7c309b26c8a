import { randomBytes } from 'node:crypto';
import { PoolClient } from 'pg';
import { sendCounted } from './connection-hand-off';
import { inlineParams, literalsOf } from './inline-params';

/** Uses of a statement on one connection before it is prepared there: one-off statements never are. */
const PREPARE_AFTER_USES = 2;
/** Statements prepared per connection at most (each holds a plan in its Postgres backend). */
const MAX_PER_CONNECTION = 200;
/**
 * A connection's statements are prepared again (their plans made anew) this long after they were
 * first prepared, then after twice as long each time, up to REPLAN_MAX_MS: a generic plan made
 * while a table was tiny (a Seq Scan) stays cached as it grows unless an ANALYZE comes (autovacuum
 * off, or one run while the table was small), and a busy pooled connection lives for hours.
 */
export const REPLAN_FIRST_MS = 30_000;
export const REPLAN_MAX_MS = 10 * 60_000;

/**
 * The statements prepared on one connection (SQL `PREPARE`), run as `EXECUTE name(literals)` in
 * the simple query protocol: they still travel with BEGIN and COMMIT in one round trip, and
 * Postgres neither parses nor plans them again (inlined, they were planned on every run: 4.2 ms
 * per order at 40 orders/s as pg_stat_statements counted it; `npm run bench:statements`).
 *
 * A statement is prepared after PREPARE_AFTER_USES runs on a connection, in a round trip after a
 * unit of work, outside any transaction (`prepareDue`): a refused PREPARE (a parameter whose type
 * its context does not tell) only leaves the statement inlined, and no transaction is at stake.
 * Queue claims (`SKIP LOCKED`, `LIMIT`) and statements with an array parameter are never prepared:
 * a cached generic plan, chosen while a table was small, would scan it once it grew (`preparable`).
 */
export class PreparedStatements {
  private static readonly byClient = new WeakMap<PoolClient, PreparedStatements>();
  /**
   * Names unique to this process: behind a pooler that moves sessions anyway, another process's
   * statement of the same name would run with these values; a foreign session now answers 26000.
   */
  private static readonly prefix = `shop_${randomBytes(4).toString('hex')}_`;
  private static next = 0;
  private readonly names = new Map<string, string>();
  private readonly uses = new Map<string, number>();
  private readonly refused = new Set<string>();
  private readonly due = new Set<string>();
  /** The session's statements are to be dropped before new ones are prepared (`failed`). */
  private deallocate = false;
  private replanAfterMs = REPLAN_FIRST_MS;
  /** When the statements prepared here are dropped, to be prepared (and planned) again. */
  private replanAt = Infinity;

  private constructor(private readonly client: PoolClient) {}

  static of(client: PoolClient): PreparedStatements {
    let statements = PreparedStatements.byClient.get(client);
    if (!statements) {
      statements = new PreparedStatements(client);
      PreparedStatements.byClient.set(client, statements);
    }
    return statements;
  }

  /** The statement as plain SQL: EXECUTE of its prepared form, or inlined; undefined when neither can carry these values. */
  plain(text: string, params: readonly unknown[]): string | undefined {
    return this.execute(text, params) ?? inlineParams(text, params);
  }

  /** EXECUTE of the statement prepared on this connection, else undefined (a use is counted towards preparing it). */
  execute(text: string, params: readonly unknown[]): string | undefined {
    if (this.replanAt <= Date.now()) this.replan();
    const name = this.names.get(text);
    if (name === undefined) {
      this.used(text);
      return undefined;
    }
    if (params.length === 0) return `EXECUTE ${name}`;
    const literals = literalsOf(params);
    return literals === undefined ? undefined : `EXECUTE ${name}(${literals.join(', ')})`;
  }

  /**
   * Prepares the statements that became due, in one round trip, outside any transaction (a unit of
   * work has ended; its connection is not back in the pool yet). A PREPARE that Postgres refuses
   * leaves its statement inlined; the ones after it in the round trip are due again. False when
   * the round trip failed otherwise (the connection broke): the connection must not be pooled again.
   */
  async prepareDue(): Promise<boolean> {
    if (this.due.size === 0 && !this.deallocate) return true;
    const texts = [...this.due];
    const names = texts.map(() => `${PreparedStatements.prefix}${(PreparedStatements.next++).toString(36)}`);
    const head = this.deallocate ? ['DEALLOCATE ALL'] : [];
    this.deallocate = false;
    this.due.clear();
    const answer = await sendCounted(this.client, [...head, ...texts.map((text, i) => `PREPARE ${names[i]} AS ${text}`)].join(';\n'));
    const refusedByPostgres = answer.error instanceof Error && 'severity' in answer.error && answer.error.severity === 'ERROR';
    const done = answer.completed.length - head.length;
    texts.forEach((text, i) => {
      if (i < done) this.names.set(text, names[i]);
      else if (i === done && refusedByPostgres) this.refuse(text);
      else this.due.add(text);
    });
    if (done < 0) this.deallocate = true;
    if (this.names.size > 0 && this.replanAt === Infinity) this.replanAt = Date.now() + this.replanAfterMs;
    return answer.error === undefined || refusedByPostgres;
  }

  /**
   * A statement failed. When the session no longer has a prepared statement (DISCARD ALL, a pooler
   * that moved the session), or a migration changed what one returns (0A000) or the type of a
   * column it writes (a data exception: EXECUTE casts to the types PREPARE inferred, and a widened
   * column keeps them), every statement here goes back to being inlined, and the session's are
   * deallocated. Such a failure fails its unit of work once per pooled connection; a data
   * exception of the values themselves costs only the statements' preparing again.
   */
  failed(error: unknown): void {
    const { code, routine } = (error ?? {}) as { code?: string; routine?: string };
    const lost = code === '26000';
    const replanned = code === '0A000' && routine === 'RevalidateCachedQuery';
    const mistyped = code?.startsWith('22') === true || code === '42804';
    if (!lost && !replanned && !mistyped) return;
    if (this.names.size === 0) return;
    this.names.clear();
    this.due.clear();
    this.deallocate = true;
  }

  /** Drops every statement prepared here (DEALLOCATE ALL with the next PREPAREs): they are prepared again after their next uses. */
  private replan(): void {
    this.names.clear();
    this.due.clear();
    this.deallocate = true;
    this.replanAt = Infinity;
    this.replanAfterMs = Math.min(this.replanAfterMs * 2, REPLAN_MAX_MS);
  }

  /** Never prepared again on this connection; the list starts over past its bound (texts built per call). */
  private refuse(text: string): void {
    if (this.refused.size >= MAX_PER_CONNECTION * 4) this.refused.clear();
    this.refused.add(text);
  }

  /** Counts a use of a statement not prepared here; the second one makes it due. */
  private used(text: string): void {
    if (this.refused.has(text) || this.due.has(text) || !preparable(text)) return;
    if (this.names.size + this.due.size >= MAX_PER_CONNECTION) return;
    // Texts built per call (a VALUES list per row count) are counted too: the count starts over past the bound.
    if (this.uses.size >= MAX_PER_CONNECTION * 4) this.uses.clear();
    const uses = (this.uses.get(text) ?? 0) + 1;
    if (uses >= PREPARE_AFTER_USES) {
      this.uses.delete(text);
      this.due.add(text);
    } else this.uses.set(text, uses);
  }
}

/**
 * One plain DML statement or query: not a queue claim (see the class), and no array (`= ANY($1)`,
 * `unnest`). A generic plan takes an array parameter for 10 elements, and Postgres counts a
 * never-analyzed table under 10 pages as 10 pages: a Seq Scan was the cheaper plan for 10 rows,
 * cached for the connection's life while the table grew (the e-mail marks' UPDATE, 1 ms after
 * 40 s of load and growing with the table, where an index lookup takes 0.03 ms). Inlined, each
 * run is planned for its own values and the table's size then.
 */
export function preparable(text: string): boolean {
  return /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(text) && !/;|\bLIMIT\b|\bSKIP\s+LOCKED\b|\b(ANY|ALL|SOME|unnest)\s*\(/i.test(text);
}
