import Redis from 'ioredis';
import { register } from 'prom-client';
import { InProcessShop } from '../support/shop/in-process-shop';
import { testNamespace } from '../support/test-broker';
import { describeWithRedis } from '../support/requires-redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PATH = '/inventory/products/NOPE'; // 404: counted by the API limit, stores nothing

const statuses = async (shop: InProcessShop, count: number) => {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await shop.http('GET', PATH)).status);
  return seen;
};

const fallbacks = async () =>
  (await register.getSingleMetric('shop_rate_limit_store_fallbacks_total')!.get()).values.reduce((sum, v) => sum + v.value, 0);

/** REDIS_URL: replicas share one budget; deployments (namespaces) do not; Redis away: each process counts alone. */
describeWithRedis('rate limits shared through Redis (two Nest apps, in-process transport)', () => {
  // Same namespace = same deployment: the two replicas below.
  const namespace = testNamespace('edge_redis');
  const env = { NATS_URL: '', REDIS_URL, RATE_LIMIT_PER_MINUTE: '4' };
  const replicaA = new InProcessShop('edge_redis_a', { ...env, MESSAGING_NAMESPACE: namespace });
  const replicaB = new InProcessShop('edge_redis_b', { ...env, MESSAGING_NAMESPACE: namespace });
  const otherDeployment = new InProcessShop('edge_redis_c', env);
  const redisAway = new InProcessShop('edge_redis_down', { ...env, REDIS_URL: 'redis://127.0.0.1:1' });
  const shops = [replicaA, replicaB, otherDeployment, redisAway];
  const redis = new Redis(REDIS_URL);

  beforeAll(async () => {
    for (const shop of shops) await shop.setUp();
  }, 120_000);
  afterAll(async () => {
    for (const shop of shops) await shop.tearDown();
    for (const ns of [namespace, otherDeployment.namespace]) {
      const keys = await redis.keys(`{shop:${ns}:throttle:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  });

  it('two replicas with the same REDIS_URL and namespace share one budget of 4', async () => {
    expect(await statuses(replicaA, 2)).toEqual([404, 404]);
    expect(await statuses(replicaB, 2)).toEqual([404, 404]);
    expect(await statuses(replicaA, 1)).toEqual([429]);
    expect(await statuses(replicaB, 1)).toEqual([429]);
    // The counters live in Redis under the deployment's prefix.
    expect((await redis.keys(`{shop:${namespace}:throttle:*`)).length).toBeGreaterThan(0);
  });

  it('another namespace on the same Redis has a budget of its own', async () => {
    expect(await statuses(otherDeployment, 5)).toEqual([404, 404, 404, 404, 429]);
  });

  it('with Redis away, requests are answered at once and the process still limits alone; each fallback is counted', async () => {
    const before = await fallbacks();
    const started = Date.now();
    expect(await statuses(redisAway, 5)).toEqual([404, 404, 404, 404, 429]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await fallbacks()).toBe(before + 5);
    expect((await redisAway.http('GET', '/health')).status).toBe(200);
  });
});
