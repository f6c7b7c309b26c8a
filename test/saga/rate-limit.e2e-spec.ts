import { InProcessShop } from '../support/shop/in-process-shop';

describe('rate limit on the HTTP API (in-process transport)', () => {
  const shop = new InProcessShop('ratelimit', { NATS_URL: '', RATE_LIMIT_PER_MINUTE: '5' });

  beforeAll(() => shop.setUp());
  afterAll(() => shop.tearDown());

  it('answers 429 in the error shape past the limit; health and metrics, on a budget of their own, stay reachable', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await shop.http('GET', '/inventory/products/NOPE')).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
    const refused = await shop.http('GET', '/inventory/products/NOPE');
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    for (let i = 0; i < 10; i++) expect((await shop.http('GET', '/health')).status).toBe(200);
    expect((await shop.http('GET', '/metrics')).status).toBe(200);
  });
});
