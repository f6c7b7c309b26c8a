import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

const OPERATIONS = ['/health', '/metrics', '/docs'];

/**
 * Per-client rate limit on the HTTP API (RATE_LIMIT_PER_MINUTE). Listeners are not HTTP, and
 * probes and scrapes must never be the ones refused.
 */
@Injectable()
export class HttpThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const url: string = context.switchToHttp().getRequest().url ?? '';
    return OPERATIONS.some((path) => url === path || url.startsWith(`${path}/`) || url.startsWith(`${path}?`));
  }
}
