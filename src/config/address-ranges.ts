import { isIP } from 'node:net';

type Family = 4 | 6;
interface Span {
  family: Family;
  first: bigint;
  last: bigint;
}

const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };

// proxy-addr's named ranges, as it expands them.
const NAMED: Record<string, string[]> = {
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  loopback: ['127.0.0.0/8', '::1/128'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const v4 = (text: string) => text.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);

function v6(text: string): bigint {
  let t = text.split('%')[0];
  const dotted = /\d+\.\d+\.\d+\.\d+$/.exec(t)?.[0];
  if (dotted) t = `${t.slice(0, -dotted.length)}${(v4(dotted) >> 16n).toString(16)}:${(v4(dotted) & 0xffffn).toString(16)}`;
  const [head, tail] = t.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function block(family: Family, value: bigint, bits: number): Span {
  const size = 1n << BigInt(WIDTH[family] - bits);
  const first = value - (value % size);
  return { family, first, last: first + size - 1n };
}

/**
 * The clients an entry trusts, as proxy-addr matches them: an IPv4-mapped IPv6 range
 * (`::ffff:a.b.c.d/n`, n ≥ 96) matches IPv4 clients, so it counts as IPv4 /(n − 96).
 */
function spansOf(entry: string): Span[] {
  if (NAMED[entry]) return NAMED[entry].flatMap(spansOf);
  const [address, prefix] = entry.split('/');
  if (isIP(address) === 4) return [block(4, v4(address), prefix === undefined ? 32 : Number(prefix))];
  const value = v6(address);
  const bits = prefix === undefined ? 128 : Number(prefix);
  if (value >> 32n === 0xffffn) return bits >= 96 ? [block(4, value & 0xffffffffn, bits - 96)] : [];
  return [block(6, value, bits)];
}

/** The address family (4 or 6) whose every address the entries trust together, if any. */
export function familyCoveredBy(entries: readonly string[]): Family | undefined {
  const spans = entries.flatMap(spansOf);
  for (const family of [4, 6] as const) {
    const sorted = spans.filter((s) => s.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = 0n;
    for (const span of sorted) if (span.first <= next && span.last >= next) next = span.last + 1n;
    if (next === 1n << BigInt(WIDTH[family])) return family;
  }
  return undefined;
}
