/** Query parameters that carry a credential in a Postgres, NATS, SMTP or Redis URL. */
const SECRET_PARAMS = /([?&](?:password|sslpassword|pass|token|auth_token|secret)=)[^&#\s,]*/gi;
/**
 * `scheme://userinfo@`: the userinfo ends at the last `@` before any path, query, space or comma,
 * as URL parsers read it (`u:S3cr@t@host` is the password `S3cr@t`).
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/?#\s,]*)@/gi;

/**
 * Hides the credentials in a URL, a comma list of URLs, or any text that quotes one (an error
 * message): `postgres://shop:s3cret@db/shop` → `postgres://shop:***@db/shop`; a userinfo without
 * a password is a token (`nats://s3cret@host`) and is hidden whole. Host, port and path stay: an
 * operator needs them to see where the process tried to go.
 */
export function redactUrls(text: string): string {
  return text
    .replace(USERINFO, (_, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
    })
    .replace(SECRET_PARAMS, '$1***');
}
