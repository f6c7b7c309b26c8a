import { readFileSync } from 'node:fs';
import { ConnectionOptions, credsAuthenticator, ErrorCode, nkeyAuthenticator } from 'nats';
import { AppConfig } from '../../config/app-config';
import { redactUrls } from '../redact-url';
import { StartupError } from '../startup-error';

/**
 * The client options for the configured servers, credentials and TLS. nats.js keeps only host
 * and port of a server URL (it drops `user:pass@` and `tls://`), so both come as options.
 */
export function natsConnectOptions(nats: AppConfig['nats'], read: (path: string) => Buffer = (p) => readFileSync(p)): ConnectionOptions {
  const auth = nats.auth;
  return {
    servers: nats.servers,
    ...(auth && 'user' in auth ? { user: auth.user, pass: auth.pass } : {}),
    ...(auth && 'token' in auth ? { token: auth.token } : {}),
    // Read at connect time: a rotated creds file is picked up by the next start.
    ...(auth && 'credsFile' in auth ? { authenticator: credsAuthenticator(new Uint8Array(read(auth.credsFile))) } : {}),
    ...(auth && 'nkeySeedFile' in auth
      ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(read(auth.nkeySeedFile).toString('utf8').trim())) }
      : {}),
    // An object (even empty) makes TLS required: the client refuses a server that does not offer it.
    ...(nats.tls ? { tls: { ...nats.tls } } : {}),
  };
}

/** The one message an operator reads when the first connection fails: what NATS said, where, what to check. */
export function natsStartupError(error: unknown, servers: string[]): StartupError {
  const where = servers.join(',');
  const code = (error as { code?: string })?.code;
  const detail = redactUrls(String((error as Error)?.message ?? error));
  // Node's own TLS errors come through unwrapped when the client upgrades an open connection.
  if (code !== ErrorCode.Tls && /CERT|SIGNATURE|ISSUER|^ERR_TLS|^ERR_SSL/.test(code ?? '')) {
    return new StartupError(`TLS with NATS failed at ${where}: ${detail} (check NATS_TLS_CA_FILE and the server's certificate)`);
  }
  switch (code) {
    case ErrorCode.AuthorizationViolation:
    case ErrorCode.AuthenticationExpired:
    case ErrorCode.AuthenticationTimeout:
      return new StartupError(
        `NATS refused the credentials (${code === ErrorCode.AuthorizationViolation ? 'Authorization Violation' : detail}) at ${where}: ` +
          'check the user:pass@ in NATS_URL, NATS_TOKEN, NATS_CREDS_FILE or NATS_NKEY_SEED_FILE',
      );
    case ErrorCode.Tls:
      return new StartupError(`TLS with NATS failed at ${where}: ${causeOf(error) ?? detail} (check NATS_TLS_CA_FILE and the server's certificate)`);
    case ErrorCode.ServerOptionNotAvailable:
      return new StartupError(`NATS at ${where} does not offer TLS, which this configuration requires (tls:// or NATS_TLS_*)`);
    case ErrorCode.ConnectionRefused:
      return new StartupError(`no NATS server answered at ${where}`);
    case ErrorCode.Timeout:
      // The dial's bound (NatsConnectionProvider): a port that takes the connection and says nothing.
      return new StartupError(`no NATS handshake within the dial timeout at ${where} (is a NATS server listening there, and does it expect TLS first?)`);
    default:
      return new StartupError(`cannot connect to NATS at ${where}: ${detail}`);
  }
}

/** A TLS failure carries Node's reason (`self-signed certificate`, `unable to verify…`) as its chained error. */
function causeOf(error: unknown): string | undefined {
  const chained = (error as { chainedError?: Error; cause?: Error })?.chainedError ?? (error as { cause?: Error })?.cause;
  return chained?.message ? redactUrls(chained.message) : undefined;
}
