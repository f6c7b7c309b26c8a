/** Who the process is to NATS: one of the server's authentication methods. */
export type NatsAuth = { user: string; pass: string } | { token: string } | { credsFile: string } | { nkeySeedFile: string };

export interface NatsServers {
  /** `scheme://host:port` without credentials: what the client dials and what the logs may show. */
  servers: string[];
  /** `user:pass@` (or a token, `token@`) found in the entries; every entry that has one has the same. */
  credentials?: { user: string; pass: string } | { token: string };
  /** Every entry is `tls://`: the connection must be TLS. */
  tls: boolean;
}

/**
 * Parses NATS_URL: a comma list of `nats://` or `tls://` URLs (or bare `host:port`), each
 * optionally with `user:pass@`. The nats.js client keeps only host and port of a server URL, so
 * the credentials and the scheme are taken out here and given to it as options. A problem names
 * the entry by its position, never by its text (it may hold a password).
 */
export function parseNatsUrl(raw: string): { value?: NatsServers; problems: string[] } {
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const problems: string[] = [];
  const servers: string[] = [];
  const schemes = new Set<string>();
  const credentials = new Set<string>();
  let found: NatsServers['credentials'];
  entries.forEach((entry, index) => {
    const where = entries.length > 1 ? `entry ${index + 1} of ${entries.length}` : 'the URL';
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `nats://${entry}`);
    } catch {
      problems.push(`${where} is not a nats:// or tls:// URL`);
      return;
    }
    const scheme = url.protocol.slice(0, -1).toLowerCase();
    if (scheme !== 'nats' && scheme !== 'tls') {
      problems.push(`${where} has the scheme ${scheme}://; nats:// or tls:// expected`);
      return;
    }
    if (!url.hostname || (url.pathname && url.pathname !== '/') || url.search || url.hash) {
      problems.push(`${where} is not scheme://[user:pass@]host[:port]`);
      return;
    }
    schemes.add(scheme);
    servers.push(`${scheme}://${url.host}`);
    if (url.username || url.password) {
      const user = percentDecoded(url.username);
      const pass = percentDecoded(url.password);
      if (user === undefined || pass === undefined) {
        problems.push(`${where} has a user or password that is not valid percent-encoding (write % as %25)`);
        return;
      }
      // `nats://token@host` is how NATS spells a token in a URL.
      found = url.password ? { user, pass } : { token: user };
      credentials.add(JSON.stringify(found));
    }
  });
  if (entries.length === 0) problems.push('has no server');
  if (schemes.size > 1) problems.push('mixes tls:// and nats:// entries: the connection to every server is TLS or none is');
  if (credentials.size > 1) problems.push('its entries carry different credentials: the client presents one identity to every server');
  if (problems.length > 0) return { problems };
  return { value: { servers, credentials: found, tls: schemes.has('tls') }, problems };
}

/** `decodeURIComponent`, or nothing where the text is not valid percent-encoding (`%zz`, a cut UTF-8 sequence). */
export function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
