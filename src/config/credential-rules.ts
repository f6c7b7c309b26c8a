import { effectiveSslMode } from '../platform/database/postgres-tls';
import { BUSINESS_MODULES, ParsedEnv } from './env-schema';
import { parseNatsUrl } from './nats-servers';

// The shape of config-rules' crossRules, which spread these (imported from there, it would be a cycle).
type Rule = { variables: (keyof ParsedEnv)[]; check: (e: ParsedEnv) => { variable: string; message: string } | undefined };

const NATS_SETTINGS = ['NATS_TOKEN', 'NATS_CREDS_FILE', 'NATS_NKEY_SEED_FILE', 'NATS_TLS_CA_FILE', 'NATS_TLS_CERT_FILE', 'NATS_TLS_KEY_FILE'] as const;
const DATABASE_URLS = ['DATABASE_URL', ...BUSINESS_MODULES.map((m) => `DATABASE_URL_${m.toUpperCase()}` as keyof ParsedEnv)] as const;

/** The ways of authenticating to NATS that are set: a server takes one, so more than one is a mistake. */
function natsAuthMethods(e: ParsedEnv): string[] {
  return [
    e.NATS_URL && parseNatsUrl(e.NATS_URL).value?.credentials ? 'the credentials in NATS_URL' : '',
    e.NATS_TOKEN ? 'NATS_TOKEN' : '',
    e.NATS_CREDS_FILE ? 'NATS_CREDS_FILE' : '',
    e.NATS_NKEY_SEED_FILE ? 'NATS_NKEY_SEED_FILE' : '',
  ].filter(Boolean);
}

/** Credentials and TLS: what cannot work together, named (never their values). */
export const credentialRules: Rule[] = [
  {
    variables: ['NATS_URL', 'NATS_TOKEN', 'NATS_CREDS_FILE', 'NATS_NKEY_SEED_FILE'],
    check: (e) => {
      const methods = natsAuthMethods(e);
      return methods.length > 1
        ? { variable: 'NATS_URL', message: `${methods.join(' and ')} are set: a connection authenticates one way, keep one` }
        : undefined;
    },
  },
  {
    variables: ['NATS_URL', ...NATS_SETTINGS],
    check: (e) => {
      const orphans = NATS_SETTINGS.filter((v) => e[v]);
      return !e.NATS_URL && orphans.length > 0
        ? { variable: orphans[0], message: `${orphans.join(', ')} set without NATS_URL: the in-process transport has no broker to use them` }
        : undefined;
    },
  },
  {
    variables: ['NATS_TLS_CERT_FILE', 'NATS_TLS_KEY_FILE'],
    check: (e) =>
      !e.NATS_TLS_CERT_FILE !== !e.NATS_TLS_KEY_FILE
        ? { variable: e.NATS_TLS_CERT_FILE ? 'NATS_TLS_KEY_FILE' : 'NATS_TLS_CERT_FILE', message: 'NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together (a client certificate and its key)' }
        : undefined,
  },
  {
    variables: [...DATABASE_URLS, 'DATABASE_CA_FILE'],
    check: (e) =>
      e.DATABASE_CA_FILE && !DATABASE_URLS.some((v) => e[v])
        ? { variable: 'DATABASE_CA_FILE', message: 'set without DATABASE_URL: the embedded Postgres is local and has no TLS' }
        : undefined,
  },
  {
    variables: [...DATABASE_URLS, 'DATABASE_CA_FILE'],
    check: (e) => {
      const blind = DATABASE_URLS.find((v) => {
        const url = e[v] as string | undefined;
        const rootCert = url ? new URL(url).searchParams.get('sslrootcert') : null;
        return url && effectiveSslMode(url, e.DATABASE_CA_FILE) === 'verify-ca' && !e.DATABASE_CA_FILE && (!rootCert || rootCert === 'system');
      });
      return blind
        ? { variable: blind, message: 'sslmode=verify-ca needs a CA of your own (sslrootcert in the URL, or DATABASE_CA_FILE): against public CAs it proves nothing' }
        : undefined;
    },
  },
];
