import { QueryResult } from 'pg';

/** What a statement answered: its rows, and how many rows it touched. */
export interface SqlResult<T> {
  rows: T[];
  affected: number;
}

/** A statement and its parameters. */
export type Statement = readonly [text: string, params?: readonly unknown[]];

export interface LeadingStatement<T> {
  /** Whether it has gone to Postgres (with another statement, or alone). */
  sent: () => boolean;
  answer: () => Promise<SqlResult<T>>;
}

export interface Settlable {
  result: Promise<QueryResult>;
  resolve: (result: QueryResult) => void;
  reject: (error: unknown) => void;
}

export interface Leading extends Settlable {
  text: string;
  sent: boolean;
}

export function settlable(): Settlable {
  let resolve!: (result: QueryResult) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<QueryResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { result, resolve, reject };
}

export const asArray = (results: QueryResult | QueryResult[]): QueryResult[] => (Array.isArray(results) ? results : [results]);

export const resultOf = <T>(r: QueryResult): SqlResult<T> => ({ rows: (r.rows ?? []) as T[], affected: r.rowCount ?? 0 });
