import { Controller, Get, Logger, Optional, Res } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ServedOn } from '../admin/served-on';
import { ModuleRegistry } from '../messaging/module-registry';
import { NatsConnectionProvider } from '../messaging/nats-connection';
import { DependencyWarnings } from './dependency-warnings';
import { DependencyCheck, HealthReport, healthReport } from './health-report';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * 200 when every module's database (and NATS, where used) answer; 503 naming the ones that do
 * not. Why they do not (host names, ports, driver messages) goes to the log, never to the caller.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly warnings = new DependencyWarnings(new Logger('Health'));

  constructor(
    private readonly modules: ModuleRegistry,
    @Optional() private readonly nats?: NatsConnectionProvider,
  ) {}

  @Get()
  @ServedOn('both')
  @ApiServiceUnavailableResponse({ description: '`{ status: "error", failing: ["database:payments"], ... }`' })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const checks = await Promise.all([
      ...this.modules.all().map((m) => this.probe(`database:${m.name}`, () => m.transactions.dataSource.query('SELECT 1'))),
      ...(this.nats ? [this.probe('nats', () => this.natsConnected(this.nats!))] : []),
    ]);
    const report = healthReport(checks);
    if (report.status !== 'ok') reply.status(503);
    return report;
  }

  private async probe(name: string, ping: () => Promise<unknown>): Promise<DependencyCheck> {
    try {
      await withTimeout(ping(), CHECK_TIMEOUT_MS);
      this.warnings.up(name);
      return { name, up: true };
    } catch (error) {
      this.warnings.down(name, error);
      return { name, up: false };
    }
  }

  private async natsConnected(nats: NatsConnectionProvider): Promise<void> {
    if (!(await nats.isConnected())) throw new Error('not connected');
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
