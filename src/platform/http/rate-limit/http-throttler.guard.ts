import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

const PROBES = ['/health', '/metrics'];

/** Health probes and metric scrapes: they get their own budget, so API traffic never starves them. */
export function isProbe(context: ExecutionContext): boolean {
  const url: string = context.switchToHttp().getRequest().url ?? '';
  return PROBES.some((path) => url === path || url.startsWith(`${path}/`) || url.startsWith(`${path}?`));
}

/**
 * Per-client rate limits on HTTP (listeners are not HTTP): the API budget
 * (RATE_LIMIT_PER_MINUTE) and, for probes and scrapes, a more generous one of their own
 * (RATE_LIMIT_PROBES_PER_MINUTE). The throttlers are declared in rate-limit.module.ts.
 */
@Injectable()
export class HttpThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  // One throttler applies per request, so the probes' "Retry-After-probes" can be the standard header.
  protected override setResponseHeader(res: Record<string, unknown>, name: string, value: string | number): void {
    super.setResponseHeader(res, name.replace(/-probes$/, ''), value);
  }
}
