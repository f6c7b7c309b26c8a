import fc from 'fast-check';
import { RawRequest } from '../support/raw-http';

/** Words an answer must never hold; generated input never holds them, so an echo cannot be mistaken for a leak. */
export const LEAK = /\bat \S+ \(?\S+:\d+:\d+\)?|\bSELECT\b|\bINSERT\b|127\.0\.0\.1|localhost|QueryFailedError/i;

/** The product the suite registers first, so PATCH and restock reach a real row. */
export const SEEDED_SKU = 'FZ-1';

export interface HostileCase {
  label: string;
  request: RawRequest;
  /** A body that breaks at least one rule: the answer must be 4xx and nothing may be stored. */
  mustBeRefused: boolean;
}

type Route = { method: string; path: string; body: Record<string, unknown>; numbers: string[]; strings: string[] };

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/orders',
    body: { customerId: '0193a2b4-0000-7000-8000-000000000001', customerEmail: 'fuzz@example.com', items: [{ sku: SEEDED_SKU, quantity: 1 }], paymentToken: 'tok_visa' },
    numbers: ['items.0.quantity'],
    strings: ['customerId', 'customerEmail', 'paymentToken', 'items.0.sku'],
  },
  { method: 'POST', path: '/inventory/products', body: { sku: 'FZ-NEW', name: 'Fuzz', priceCents: 100, quantity: 5 }, numbers: ['priceCents', 'quantity'], strings: ['sku', 'name'] },
  { method: 'PATCH', path: `/inventory/products/${SEEDED_SKU}`, body: { name: 'Renamed', priceCents: 200 }, numbers: ['priceCents'], strings: ['name'] },
  { method: 'POST', path: `/inventory/products/${SEEDED_SKU}/restock`, body: { quantity: 2 }, numbers: ['quantity'], strings: [] },
];

const HOLE = '"\u0000hole\u0000"';
const clean = (s: string) => !LEAK.test(s);

/** The route's valid body with one field (by dotted path) replaced by raw JSON text. */
function withField(route: Route, path: string, rawJson: string): string {
  const body = structuredClone(route.body) as Record<string, any>;
  const keys = path.split('.');
  let at = body;
  for (const k of keys.slice(0, -1)) at = at[k];
  at[keys[keys.length - 1]] = '\u0000hole\u0000';
  return JSON.stringify(body).replace(HOLE, rawJson);
}

const anyString = fc.string({ unit: 'binary', maxLength: 40 }).filter(clean);
const nonNullOtherThan = (kind: 'number' | 'string') =>
  fc.oneof(
    kind === 'number' ? anyString.map((s) => JSON.stringify(s)) : fc.double().map((n) => (Number.isFinite(n) ? String(n) : '1e400')),
    fc.boolean().map(String),
    fc.constant('[]'),
    fc.constant('{}'),
    fc.array(fc.integer(), { minLength: 1, maxLength: 3 }).map((a) => JSON.stringify(a)),
  );
/** Numbers no field accepts: quantities are 1–1,000 integers, prices 0–100,000,000. */
const badNumber = fc.constantFrom('1e308', '1e400', '-1e400', '9007199254740993', '123456789012345678901234567890', '-1', '1.5', '1e15', '-0.5', '0.0000001');
const deep = fc.tuple(fc.integer({ min: 33, max: 10_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => {
  const close = open === '[' ? ']' : '}';
  return open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth);
});
const PROTO = ['"__proto__":{"isAdmin":true}', '"constructor":{"prototype":{"isAdmin":true}}'];
const INVALID_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xfe, 0xfe, 0xff])];

/** One hostile body for a route, as bytes, each sure to break a rule. */
const hostileBody = (route: Route): fc.Arbitrary<{ label: string; body: Buffer }> => {
  const text = (label: string, arb: fc.Arbitrary<string>) => arb.map((s) => ({ label, body: Buffer.from(s) }));
  const fields = [...route.numbers, ...route.strings];
  const options = [
    text('deep nesting', fc.tuple(fc.constantFrom(...fields), deep).map(([f, d]) => withField(route, f, d))),
    text('huge or out-of-range number', fc.tuple(fc.constantFrom(...route.numbers), badNumber).map(([f, n]) => withField(route, f, n))),
    text('wrong type', fc.oneof(
      fc.tuple(fc.constantFrom(...route.numbers), nonNullOtherThan('number')).map(([f, v]) => withField(route, f, v)),
      ...(route.strings.length ? [fc.tuple(fc.constantFrom(...route.strings), nonNullOtherThan('string')).map(([f, v]) => withField(route, f, v))] : []),
    )),
    // An unknown property is refused whatever it holds; a key never names a real field.
    text('unknown key with unicode', fc.tuple(anyString.filter((k) => !(k in route.body)), anyString).map(([k, v]) => JSON.stringify({ ...route.body, [k]: v }).replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(v)},`))),
    text('prototype key', fc.tuple(fc.constantFrom(...PROTO), fc.boolean()).map(([p, nested]) =>
      nested && route.path === '/orders' ? JSON.stringify(route.body).replace('{"sku"', `{${p},"sku"`) : JSON.stringify(route.body).replace(/^\{/, `{${p},`))),
    // `{}` is a valid PATCH (nothing changes); elsewhere it lacks every required field.
    text('not an object, or empty', fc.constantFrom('[]', '"a"', '1', 'null', 'true', '[{}]', '""', ...(route.method === 'PATCH' ? [] : ['{}']))),
    text('truncated JSON', fc.integer({ min: 0, max: 200 }).map((n) => { const s = JSON.stringify(route.body); return s.slice(0, Math.min(n, s.length - 1)); })),
    fc.tuple(fc.constantFrom(...route.strings.concat(route.numbers)), fc.constantFrom(...INVALID_UTF8)).map(([f, bytes]) => {
      const [before, after] = withField(route, f, '"\u0001"').split('\u0001');
      // Inside a string (a sku, an e-mail, a number's place) or, raw, where JSON allows no byte at all.
      return { label: 'invalid UTF-8', body: Buffer.concat([Buffer.from(before.replace(/\\u0001$/, '')), bytes, Buffer.from(after ?? '')]) };
    }),
  ];
  if (route.strings.includes('sku') || route.strings.includes('customerEmail')) {
    const f = route.strings.includes('sku') ? 'sku' : 'customerEmail';
    // Starts with a character no sku or e-mail may hold: a lone surrogate or non-ASCII.
    options.push(text('unicode where ASCII is required', fc.tuple(fc.constantFrom('\ud800', '\udfff', 'é', '\u202e', '𝔘'), anyString).map(([c, s]) => withField(route, f, JSON.stringify(c + s)))));
  }
  return fc.oneof(...options);
};

/** Headers that do not change what the request means but may break a server: huge, many, odd bytes. */
type Headers = [string, Buffer | string][];
const hostileHeaders: fc.Arbitrary<Headers> = fc.oneof(
  fc.constant<Headers>([]),
  fc.integer({ min: 9_000, max: 90_000 }).map((n) => [['X-Padding', 'p'.repeat(n)]] as [string, string][]),
  fc.integer({ min: 100, max: 400 }).map((n) => Array.from({ length: n }, (_, i) => [`X-H${i}`, String(i)] as [string, string])),
  fc.constantFrom<[string, Buffer | string][]>(
    [['Idempotency-Key', Buffer.from('ü🙂'.repeat(20))]],
    [['Idempotency-Key', 'k'.repeat(8_000)]],
    [['X-Correlation-Id', Buffer.from([0xff, 0xfe, 0x41])]],
    [['traceparent', '00-zz-zz-01']],
    [['Content-Type', 'application/json; charset=latin1']],
    [['Accept', '*/*'.repeat(1_000)]],
  ),
);

const routeArb = fc.constantFrom(...ROUTES);

const bodyCase: fc.Arbitrary<HostileCase> = routeArb.chain((route) =>
  fc.tuple(hostileBody(route), hostileHeaders).map(([{ label, body }, headers]) => ({
    label: `${route.method} ${route.path}: ${label}${headers.length ? ` + ${headers.length} odd header(s)` : ''}`,
    request: { method: route.method, target: route.path, headers: [...headers.filter(([n]) => n !== 'Content-Type'), ['Content-Type', 'application/json']], body },
    mustBeRefused: true,
  })),
);

const contentTypeCase: fc.Arbitrary<HostileCase> = fc
  .tuple(routeArb, fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json', 'application/json-patch+json', ''))
  .map(([route, type]) => ({
    label: `${route.method} ${route.path}: a valid body as ${type === undefined ? 'no content type' : JSON.stringify(type)}`,
    request: { method: route.method, target: route.path, headers: type === undefined ? [] : [['Content-Type', type]], body: Buffer.from(JSON.stringify(route.body)) },
    mustBeRefused: true,
  }));

/** Path segments and query values: unicode (as UTF-8 percent-escapes), broken escapes, traversal, raw bytes, length. */
const junk = fc.oneof(
  anyString.map((s) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('%zz', '%E0%A4%A', '%00', '..%2f..%2fetc%2fpasswd', '../../etc/passwd', '%', "1'%20OR%201=1--", '-1', '1e400', 'null', '__proto__', 'constructor'),
  fc.integer({ min: 200, max: 6_000 }).map((n) => 'a'.repeat(n)),
  fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from('é'), Buffer.from([0x7f])),
);
const GETS = ['/orders/', '/inventory/products/', '/catalog/', '/orders/0193a2b4-0000-7000-8000-000000000001/', '/payments?orderId=', '/notifications?orderId=', '/'];

const getCase: fc.Arbitrary<HostileCase> = fc.tuple(fc.constantFrom(...GETS), junk, hostileHeaders).map(([prefix, j, headers]) => ({
  label: `GET ${prefix}<junk>${headers.length ? ` + ${headers.length} odd header(s)` : ''}`,
  request: { method: 'GET', target: Buffer.concat([Buffer.from(prefix), Buffer.from(j as string)]), headers },
  mustBeRefused: false,
}));

const METHODS = ['PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE', 'FOO', 'get', 'P0ST'];
const methodCase: fc.Arbitrary<HostileCase> = fc.tuple(fc.constantFrom(...METHODS), routeArb, fc.boolean()).map(([method, route, withBody]) => ({
  label: `${method} ${route.path}${withBody ? ' with a body' : ''}`,
  request: {
    method,
    target: route.path,
    headers: withBody ? [['Content-Type', 'application/json']] : [],
    body: withBody ? Buffer.from(JSON.stringify(route.body)) : undefined,
  },
  mustBeRefused: false,
}));

export const hostileRequest: fc.Arbitrary<HostileCase> = fc.oneof(
  { arbitrary: bodyCase, weight: 5 },
  { arbitrary: contentTypeCase, weight: 1 },
  { arbitrary: getCase, weight: 2 },
  { arbitrary: methodCase, weight: 1 },
);
