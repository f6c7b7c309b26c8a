import { postgresConnection, postgresTlsProblems } from './postgres-tls';

const read = (path: string) => `content of ${path}`;
const base = 'postgres://shop:pw@db.internal:5432/shop';

describe('postgresConnection', () => {
  it('given no TLS parameter and no CA, leaves TLS to the driver default (plain text), URL untouched', () => {
    expect(postgresConnection(base, undefined, read)).toEqual({ connectionString: base, ssl: undefined });
  });

  it.each([
    ['sslmode=disable', undefined, false],
    ['sslmode=require', undefined, { rejectUnauthorized: false }],
    ['sslmode=require', '/ca.pem', { ca: 'content of /ca.pem', checkServerIdentity: expect.any(Function) }],
    ['sslmode=verify-ca', '/ca.pem', { ca: 'content of /ca.pem', checkServerIdentity: expect.any(Function) }],
    ['sslmode=verify-full', undefined, {}],
    ['sslmode=verify-full', '/ca.pem', { ca: 'content of /ca.pem' }],
    ['sslmode=verify-full&sslrootcert=/url-ca.pem', '/ca.pem', { ca: 'content of /url-ca.pem' }],
    ['sslmode=verify-full&sslrootcert=system', '/ca.pem', {}],
    ['sslmode=verify-full&sslcert=/c.pem&sslkey=/k.pem', undefined, { cert: 'content of /c.pem', key: 'content of /k.pem' }],
    ['ssl=true', undefined, {}],
    ['ssl=no-verify', undefined, { rejectUnauthorized: false }],
  ])('given %s and CA %s, gives the libpq meaning', (query, caFile, ssl) => {
    const connection = postgresConnection(`${base}?${query}&application_name=x`, caFile, read);
    expect(connection.ssl).toEqual(ssl);
    // The TLS parameters are taken out, or the driver would let them override `ssl`.
    expect(connection.connectionString).toBe(`${base}?application_name=x`);
  });

  it('given only DATABASE_CA_FILE, verifies fully against it', () => {
    expect(postgresConnection(base, '/ca.pem', read).ssl).toEqual({ ca: 'content of /ca.pem' });
  });
});

describe('postgresTlsProblems', () => {
  const unreadable = (path: string) => (path.includes('missing') ? `cannot read ${path} (ENOENT)` : undefined);

  it('refuses the sslmodes that may fall back to plain text, unreadable files and a lone sslcert', () => {
    expect(postgresTlsProblems(`${base}?sslmode=prefer`, unreadable)).toEqual([expect.stringMatching(/^sslmode=prefer is not one of/)]);
    expect(postgresTlsProblems(`${base}?sslmode=allow`, unreadable)).toHaveLength(1);
    expect(postgresTlsProblems(`${base}?sslrootcert=/missing.pem`, unreadable)).toEqual(['sslrootcert: cannot read /missing.pem (ENOENT)']);
    expect(postgresTlsProblems(`${base}?sslcert=/c.pem`, unreadable)).toEqual(['sslcert and sslkey go together']);
    expect(postgresTlsProblems(`${base}?sslmode=verify-full&sslrootcert=system`, unreadable)).toEqual([]);
  });
});
