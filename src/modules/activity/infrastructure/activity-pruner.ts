import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { ActivityRepository } from './activity.repository';

/**
 * Activity keeps what the streams keep (STREAM_MAX_AGE_MS): a timeline older than that could not
 * be rebuilt by a late start anyway, and the table would otherwise grow for ever.
 */
@Injectable()
export class ActivityPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ActivityPruner.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly repository: ActivityRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => (this.running ??= this.prune().finally(() => (this.running = undefined))), this.config.retention.pruneIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async prune(): Promise<void> {
    try {
      const dropped = await this.repository.pruneBefore(this.config.stream.maxAgeMs);
      if (dropped > 0) this.logger.log(`pruned ${dropped} activity rows older than the streams' max age`);
    } catch (error) {
      this.logger.warn(`activity pruning failed: ${(error as Error).message}`);
    }
  }
}
