import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventPublisher } from '../messaging/event-publisher';
import { poolOf } from '../database/transaction-runner';
import { OutboxClaims } from './outbox-claims';
import { OutboxRelay, RelayOptions } from './outbox-relay';
import { OutboxStore } from './outbox-store';
import { RelayFailPoint } from './relay-round';

/** A module's relay over its outbox (schema = module name), on the module's connections. */
export function createOutboxRelay(
  dataSource: DataSource,
  publisher: EventPublisher,
  options: RelayOptions & { leaseMs: number },
  failPoint?: RelayFailPoint,
): OutboxRelay {
  const { module, leaseMs } = options;
  const logger = new Logger(`OutboxRelay:${module}`);
  // No retention: a published row goes with its mark instead of staying as history.
  const keepPublished = options.retention?.outboxMs !== 0;
  const claims = new OutboxClaims(poolOf(dataSource), module, leaseMs, logger, keepPublished);
  return new OutboxRelay(new OutboxStore(dataSource, module), claims, publisher, options, failPoint);
}
