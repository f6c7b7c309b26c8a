import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventPublisher } from '../messaging/event-publisher';
import { OutboxClaims } from './outbox-claims';
import { OutboxRelay, PIPELINE_DEPTH, RelayOptions } from './outbox-relay';
import { OutboxStore } from './outbox-store';
import { relayConnections } from './relay-connections';
import { RelayFailPoint } from './relay-round';

/** A module's relay over its outbox (schema = module name), with connections of its own. */
export function createOutboxRelay(
  dataSource: DataSource,
  publisher: EventPublisher,
  options: RelayOptions & { leaseMs: number },
  failPoint?: RelayFailPoint,
): OutboxRelay {
  const { module, leaseMs } = options;
  const logger = new Logger(`OutboxRelay:${module}`);
  const claims = new OutboxClaims(relayConnections(dataSource, module, leaseMs, PIPELINE_DEPTH, logger), module, leaseMs, logger);
  return new OutboxRelay(new OutboxStore(dataSource, module), claims, publisher, options, failPoint);
}
