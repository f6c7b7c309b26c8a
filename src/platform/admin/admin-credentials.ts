import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `operate`: list and retry, personal data hidden; `full`: may also ask to see personal data. */
export type AdminScope = 'operate' | 'full';

export type Authentication = { granted: AdminScope } | { refused: 'missing' | 'invalid' };

const BEARER = /^Bearer +(\S+) *$/i;

/** Stands in for an unset full token, so the same two comparisons always run. */
const UNMATCHABLE = randomBytes(32);

/** sha256 first: timingSafeEqual needs equal lengths, and a digest leaks nothing about the token's length. */
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The operator credentials (ADMIN_TOKEN, ADMIN_FULL_TOKEN), compared in constant time. Only their
 * digests are kept, so a heap dump or an error report never shows a token.
 */
export class AdminCredentials {
  private readonly operate?: Buffer;
  private readonly full?: Buffer;

  constructor(tokens: { token?: string; fullToken?: string }) {
    this.operate = tokens.token ? digest(tokens.token) : undefined;
    this.full = tokens.fullToken ? digest(tokens.fullToken) : undefined;
  }

  /** Unset ADMIN_TOKEN: the operator endpoints are off, never open. */
  get enabled(): boolean {
    return this.operate !== undefined;
  }

  /** The scope an `Authorization` header grants. Both tokens are always compared: the time says nothing about which matched. */
  authenticate(authorization: string | string[] | undefined): Authentication {
    const presented = typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined;
    if (presented === undefined || !this.operate) return { refused: 'missing' };
    const given = digest(presented);
    const isFull = timingSafeEqual(given, this.full ?? UNMATCHABLE);
    const isOperate = timingSafeEqual(given, this.operate);
    if (isFull) return { granted: 'full' };
    return isOperate ? { granted: 'operate' } : { refused: 'invalid' };
  }
}
