import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis from 'ioredis';
import { Counter, register } from 'prom-client';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { LocalHitCounts } from './local-hit-counts';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const FALLBACKS = 'shop_rate_limit_store_fallbacks_total';
/** Requests counted by this process alone because the shared store did not answer. */
export const rateLimitFallbacks =
  (register.getSingleMetric(FALLBACKS) as Counter | undefined) ??
  new Counter({ name: FALLBACKS, help: 'Rate-limit hits counted in this process because Redis did not answer' });

/** How long a request may wait for Redis before it is counted locally instead. */
const REDIS_TIMEOUT_MS = 250;
/** How long boot waits for Redis; after that the process starts counting alone and joins when Redis answers. */
const CONNECT_WAIT_MS = 2_000;

/**
 * Where the rate limiter counts. With REDIS_URL, in Redis (every replica shares one budget), keys
 * prefixed by the messaging namespace so deployments and suites on one Redis never share counters.
 * While Redis is away the process counts alone (fail over, not open): a shop taking orders must
 * not stop because its limiter's store is down, and a flood is still refused per process. Each
 * fallback is counted in shop_rate_limit_store_fallbacks_total; the outage and the recovery are
 * logged once each.
 */
@Injectable()
export class RateLimitStore implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new LocalHitCounts();
  private readonly redis?: Redis;
  private readonly shared?: ThrottlerStorageRedisService;
  private readonly prefix: string;
  private down = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = `shop:${config.nats.namespace || 'default'}:throttle:`;
    if (!config.redisUrl) return;
    this.redis = new Redis(config.redisUrl, {
      // Fail fast instead of queueing: a request never waits for a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: REDIS_TIMEOUT_MS,
      connectTimeout: CONNECT_WAIT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    });
    // The error is in the outage warning; without a listener ioredis prints every retry.
    this.redis.on('error', (error) => this.wentDown(error));
    this.redis.on('ready', () => this.cameBack());
    this.shared = new ThrottlerStorageRedisService(this.redis);
  }

  async onModuleInit(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    const ready = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), CONNECT_WAIT_MS);
      redis.once('ready', () => (clearTimeout(timer), done(true)));
    });
    if (ready) this.logger.log('rate limits are shared through Redis');
    else this.wentDown(new Error(`Redis not ready within ${CONNECT_WAIT_MS} ms`));
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): Promise<ThrottlerStorageRecord> {
    if (this.shared && this.redis?.status === 'ready') {
      try {
        const record = await this.shared.increment(this.prefix + key, ttl, limit, blockDuration, name);
        this.cameBack();
        return record;
      } catch (error) {
        this.wentDown(error as Error);
      }
    }
    if (this.shared) rateLimitFallbacks.inc();
    return this.local.increment(key, ttl, limit, blockDuration, name);
  }

  onApplicationShutdown(): void {
    this.local.close();
    this.redis?.disconnect(false);
  }

  private wentDown(error: Error): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(`Redis unreachable (${error.message}): each process counts rate limits alone until it is back`);
  }

  private cameBack(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log('Redis is back: rate limits are shared again');
  }
}
