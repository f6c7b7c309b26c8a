import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { CommandWorker } from '../../../platform/worker/command-worker';
import { CancelOverdueOrders } from '../commands/cancel-overdue-orders.handler';

/** Runs the saga's deadline in every orders process: no order stays PENDING past ORDER_TIMEOUT_MS. */
@Injectable()
export class OrderDeadlineWorker extends CommandWorker {
  constructor(commands: CommandBus, @Inject(APP_CONFIG) config: AppConfig) {
    // Checked often enough to be late by a tenth of the deadline at most (and at most 5 s).
    const everyMs = Math.min(5_000, Math.max(100, config.orderTimeoutMs / 10));
    super(commands, 'OrderDeadline', () => new CancelOverdueOrders(config.orderTimeoutMs), { minMs: everyMs, maxMs: everyMs });
  }
}
