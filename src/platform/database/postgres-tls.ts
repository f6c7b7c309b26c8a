import { readFileSync } from 'node:fs';

/** The TLS options node-postgres passes to `tls.connect` (the subset this file sets). */
export interface PostgresTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  checkServerIdentity?: () => undefined;
}

/**
 * The sslmodes node-postgres can honour as libpq does. `allow` and `prefer` (try TLS, fall back
 * to plain text) are refused: the driver cannot fall back, and a silent plain-text fallback is
 * not what anyone handing it a money database wants.
 */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof SSL_MODES)[number];

/** The URL parameters this file takes over from the driver (it would let them override `ssl`). */
const TLS_PARAMS = ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'];

export interface PostgresConnection {
  /** The URL without its TLS parameters (they are in `ssl`). */
  connectionString: string;
  /** Undefined: no TLS asked for (the driver's default: plain text). */
  ssl?: false | PostgresTls;
}

interface TlsParams {
  mode?: SslMode;
  rootCert?: string;
  cert?: string;
  key?: string;
}

/** What is wrong with a URL's TLS parameters (files named, never read into the message), or nothing. */
export function postgresTlsProblems(url: string, unreadable: (path: string) => string | undefined): string[] {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  const problems: string[] = [];
  // TypeORM and pg decode the user-info with decodeURIComponent: `%zz` would be a URIError at boot.
  for (const part of [parsed.username, parsed.password]) {
    try {
      decodeURIComponent(part);
    } catch {
      problems.push('its user or password is not valid percent-encoding (write % as %25)');
      break;
    }
  }
  // libpq takes the last of a repeated parameter, this file the first: refused rather than guessed.
  for (const name of TLS_PARAMS) {
    if (params.getAll(name).length > 1) problems.push(`${name} is given more than once`);
  }
  const mode = params.get('sslmode');
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode)) {
    problems.push(`sslmode=${mode} is not one of ${SSL_MODES.join(', ')} (allow and prefer could fall back to plain text)`);
  }
  for (const name of ['sslrootcert', 'sslcert', 'sslkey']) {
    const path = params.get(name);
    const problem = path && !(name === 'sslrootcert' && path === 'system') ? unreadable(path) : undefined;
    if (problem) problems.push(`${name}: ${problem}`);
  }
  if (!params.get('sslcert') !== !params.get('sslkey')) problems.push('sslcert and sslkey go together');
  return problems;
}

/** The sslmode a URL asks for, with DATABASE_CA_FILE as a hint: a CA given means "verify against it". */
export function effectiveSslMode(url: string, caFile?: string): SslMode | undefined {
  const params = new URL(url).searchParams;
  const ssl = params.get('ssl');
  const mode = (params.get('sslmode') as SslMode | null) ?? (ssl === null ? undefined : ssl === 'no-verify' ? 'require' : ['0', 'false'].includes(ssl) ? 'disable' : 'verify-full');
  return mode ?? (caFile || params.get('sslrootcert') ? 'verify-full' : undefined);
}

/**
 * The pool options for a Postgres URL, with libpq's meaning of `sslmode`: `require` encrypts
 * without checking the certificate (unless a CA is given: then as `verify-ca`), `verify-ca`
 * checks it against the CA, `verify-full` checks the host name too. The CA is the URL's
 * `sslrootcert` (`system`: the operating system's), else DATABASE_CA_FILE. Every pool of every
 * module is built from this, so one URL means the same thing everywhere.
 */
export function postgresConnection(url: string, caFile?: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): PostgresConnection {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  const tls: TlsParams = {
    mode: effectiveSslMode(url, caFile),
    rootCert: params.get('sslrootcert') ?? caFile,
    cert: params.get('sslcert') ?? undefined,
    key: params.get('sslkey') ?? undefined,
  };
  for (const name of TLS_PARAMS) params.delete(name);
  return { connectionString: parsed.toString(), ssl: sslOptions(tls, read) };
}

function sslOptions(tls: TlsParams, read: (path: string) => string): false | PostgresTls | undefined {
  if (!tls.mode) return undefined;
  if (tls.mode === 'disable') return false;
  const ca = tls.rootCert && tls.rootCert !== 'system' ? read(tls.rootCert) : undefined;
  const client = tls.cert && tls.key ? { cert: read(tls.cert), key: read(tls.key) } : {};
  // Node verifies the chain and the host name by default: verify-full.
  if (tls.mode === 'verify-full') return { ...client, ...(ca ? { ca } : {}) };
  if (tls.mode === 'verify-ca' || ca) return { ...client, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
  return { ...client, rejectUnauthorized: false };
}
