import { isIP } from 'node:net';
import { z } from 'zod';
import { familyCoveredBy } from './address-ranges';

/** Fastify's `trustProxy` in the forms that cannot trust everything: off, a hop count, or proxy addresses. */
export type TrustProxy = false | number | string[];

// proxy-addr's names for address ranges (Fastify hands the list to it).
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
const HINT = 'write the number of proxies in front of the app (1) or their addresses/CIDRs (10.0.0.0/8,127.0.0.1)';

/** `a.b.c.d`, `::1`, or either with a `/prefix` that does not cover every address. */
function rangeProblem(entry: string): string | undefined {
  if (NAMED_RANGES.includes(entry)) return undefined;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `${JSON.stringify(entry)} is not an IP address, a CIDR or one of ${NAMED_RANGES.join(', ')}`;
  if (prefix === undefined) return undefined;
  const bits = /^[0-9]{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  const max = family === 4 ? 32 : 128;
  if (!(bits >= 0 && bits <= max)) return `${JSON.stringify(entry)} has a prefix that is not 0–${max}`;
  if (bits === 0) return `${JSON.stringify(entry)} trusts every address, so any client can write its own X-Forwarded-For; ${HINT}`;
  return undefined;
}

/**
 * TRUST_PROXY: `false`/`0`/unset is off; `1`..`10` trusts that many hops; otherwise a comma list
 * of proxy addresses. `true` is refused: it takes the left-most X-Forwarded-For entry, which the
 * client writes, so every spoofed header would get a fresh rate-limit bucket.
 */
export const trustProxySchema = z
  .string()
  .default('false')
  .transform((raw, ctx): TrustProxy => {
    const fail = (message: string) => {
      ctx.issues.push({ code: 'custom', input: raw, message });
      return z.NEVER;
    };
    if (raw === 'false' || raw === '0') return false;
    if (raw === 'true') return fail(`"true" trusts whatever X-Forwarded-For a client sends; ${HINT}`);
    if (/^[0-9]+$/.test(raw)) {
      const hops = Number(raw);
      return hops >= 1 && hops <= 10 ? hops : fail(`${JSON.stringify(raw)} is not a hop count from 1 to 10`);
    }
    const entries = raw.split(',').map((s) => s.trim());
    if (entries.some((e) => e === '')) return fail(`${JSON.stringify(raw)} has an empty entry; ${HINT}`);
    const problem = entries.map(rangeProblem).find(Boolean);
    if (problem) return fail(problem);
    // Ranges that are each fine may still cover everything together (two halves, or `::ffff:0:0/96`, IPv4's /0).
    const covered = familyCoveredBy(entries);
    if (covered) return fail(`${JSON.stringify(raw)} trusts every address of IPv${covered}, so any client can write its own X-Forwarded-For; ${HINT}`);
    return entries;
  });
