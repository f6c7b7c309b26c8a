import { InProcessShop } from '../support/shop/in-process-shop';

const ERROR_SHAPE = { statusCode: expect.any(Number), error: expect.any(String), message: expect.any(String) };
const nested = (depth: number) => `{"sku":${'['.repeat(depth)}${']'.repeat(depth)}}`;

/** The HTTP edge of one app: body limits at parse time, content types, helmet, /docs, the probes' budget. */
describe('HTTP edge: bodies, content types, security headers, probes (in-process transport)', () => {
  const shop = new InProcessShop('edge_http', { NATS_URL: '', RATE_LIMIT_PROBES_PER_MINUTE: '120' });
  beforeAll(() => shop.setUp(), 60_000);
  afterAll(() => shop.tearDown());

  const products = async () => Number((await shop.db.query(`SELECT count(*) AS n FROM inventory.products`))[0].n);

  it('a body nested deeper than 32 levels is 400 in the error shape, whatever its size; 32 levels reach validation', async () => {
    for (const depth of [33, 5_000, 30_000]) {
      const answer = await shop.http('POST', '/inventory/products', nested(depth), { 'content-type': 'application/json' });
      expect({ depth, status: answer.status, body: answer.body }).toEqual({
        depth,
        status: 400,
        body: { ...ERROR_SHAPE, statusCode: 400, error: 'Bad Request', message: 'JSON nested deeper than 32 levels' },
      });
    }
    const atBound = await shop.http('POST', '/inventory/products', nested(31), { 'content-type': 'application/json' });
    expect(atBound.status).toBe(400);
    expect(atBound.body.message).not.toMatch(/nested/);
    expect(await products()).toBe(0);
  });

  it('over 64 kB is 413; prototype keys are 400; both in the error shape', async () => {
    const big = await shop.http('POST', '/inventory/products', JSON.stringify({ name: 'x'.repeat(64 * 1024) }), { 'content-type': 'application/json' });
    expect(big).toMatchObject({ status: 413, body: { ...ERROR_SHAPE, statusCode: 413 } });
    for (const body of [
      '{"sku":"P-1","name":"x","priceCents":1,"quantity":1,"__proto__":{"admin":true}}',
      '{"sku":"P-2","name":"x","priceCents":1,"quantity":1,"constructor":{"prototype":{"admin":true}}}',
      '{"sku":"P-3","name":"x","priceCents":1,"quantity":1,"nested":{"__proto__":{"admin":true}}}',
    ]) {
      const answer = await shop.http('POST', '/inventory/products', body, { 'content-type': 'application/json' });
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      // Well-formed JSON, refused by the parser itself (secure-json-parse), before any validation.
      expect(answer.body).toMatchObject({ ...ERROR_SHAPE, message: expect.stringMatching(/not valid JSON/) });
    }
    expect(await products()).toBe(0);
  });

  it('a body without a content type, or in another one, is 415 in the error shape; JSON with a charset is taken', async () => {
    const valid = JSON.stringify({ sku: 'CT-1', name: 'x', priceCents: 1, quantity: 1 });
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      const body = type === 'application/x-www-form-urlencoded' ? 'sku=CT-1&name=x&priceCents=1&quantity=1' : valid;
      const response = await fetch(`${await shop.app.getUrl()}/inventory/products`, {
        method: 'POST',
        headers: type ? { 'content-type': type } : {},
        body: type ? body : new Blob([body]), // a Blob without a type: fetch sends no content-type
      });
      expect({ type, status: response.status, body: await response.json() }).toEqual({ type, status: 415, body: { ...ERROR_SHAPE, statusCode: 415 } });
    }
    expect(await products()).toBe(0);
    const charset = await shop.http('POST', '/inventory/products', valid, { 'content-type': 'application/json; charset=utf-8' });
    expect(charset.status).toBe(201);
  });

  it('a URL Fastify cannot decode is 400 in the error shape', async () => {
    const answer = await shop.http('GET', '/inventory/products/%E0%A4%A');
    expect(answer).toMatchObject({ status: 400, body: { ...ERROR_SHAPE, statusCode: 400 } });
  });

  it("helmet's headers on every answer: 200, 201, 400, 404, 413", async () => {
    const answers = [
      await shop.http('GET', '/health'),
      await shop.http('POST', '/inventory/products', { sku: 'HDR-1', name: 'x', priceCents: 1, quantity: 1 }),
      await shop.http('POST', '/inventory/products', { nope: 1 }),
      await shop.http('GET', '/inventory/products/NOPE'),
      await shop.http('POST', '/inventory/products', JSON.stringify({ pad: 'x'.repeat(70_000) }), { 'content-type': 'application/json' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 201, 400, 404, 413]);
    for (const { headers } of answers) {
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
      expect(headers.get('x-powered-by')).toBeNull();
    }
  });

  it('/docs still renders under the CSP: no inline script, every script and style it names is served', async () => {
    const page = await fetch(`${await shop.app.getUrl()}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self'/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/); // every script is a same-origin file
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//); // nothing from another origin
      const response = await fetch(new URL(asset, `${await shop.app.getUrl()}/docs`));
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      expect(response.headers.get('content-type')).toMatch(/javascript|css/);
    }
    const init = await (await fetch(`${await shop.app.getUrl()}/docs/swagger-ui-init.js`)).text();
    expect(init).toMatch(/"openapi":\s*"3/);
  });

  it('probes have their own budget: the API limit does not reach them, 120 a minute pass, the 121st is 429', async () => {
    // The API budget here is the test default (1,000,000); the probes' is 120 per client and route.
    const first = await shop.http('GET', '/health');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('120');
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    expect(remaining).toBeGreaterThan(100); // this suite probed a few times before
    const statuses: number[] = [];
    for (let i = 0; i < remaining; i++) statuses.push((await shop.http('GET', '/health')).status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const refused = await shop.http('GET', '/health');
    expect(refused).toMatchObject({ status: 429, body: { ...ERROR_SHAPE, statusCode: 429 } });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another route, another budget; the API is untouched by the probes' flood.
    expect((await shop.http('GET', '/metrics')).status).toBe(200);
    expect((await shop.http('GET', '/inventory/products/HDR-1')).status).toBe(200);
  });
});
