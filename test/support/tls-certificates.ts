import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** The CA that signed the server certificate: what a client must trust. */
  caFile: string;
  certFile: string;
  keyFile: string;
  remove(): void;
}

/**
 * A private CA and a server certificate it signed for 127.0.0.1 and localhost, made by `openssl`
 * into a temp dir: nothing on the machine trusts them unless told to.
 */
export function makeCertificates(prefix: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-certs-`));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=shop test CA', '-keyout', at('ca-key.pem'), '-out', at('ca.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', at('server-key.pem'), '-out', at('server.csr'));
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', at('server.ext'), '-out', at('server.pem'));
  chmodSync(at('server-key.pem'), 0o600);
  return {
    dir,
    caFile: at('ca.pem'),
    certFile: at('server.pem'),
    keyFile: at('server-key.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
