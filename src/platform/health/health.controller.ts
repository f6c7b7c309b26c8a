import { Controller, Get, Optional } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ModuleRegistry } from '../messaging/module-registry';
import { NatsConnectionProvider } from '../messaging/nats-connection';

/** 200 when every module's database (and NATS, where used) answer; 503 naming the one that does not. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly modules: ModuleRegistry,
    @Optional() private readonly nats?: NatsConnectionProvider,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      ...this.modules.all().map((m) => () => this.database(m.name, () => m.transactions.dataSource.query('SELECT 1'))),
      ...(this.nats ? [() => this.broker(this.nats!)] : []),
    ]);
  }

  private async database(name: string, ping: () => Promise<unknown>) {
    const check = this.indicator.check(`database:${name}`);
    try {
      await withTimeout(ping(), 2_000);
      return check.up();
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  private async broker(nats: NatsConnectionProvider) {
    const check = this.indicator.check('nats');
    return (await withTimeout(nats.isConnected(), 2_000).catch(() => false))
      ? check.up()
      : check.down({ message: 'not connected' });
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
