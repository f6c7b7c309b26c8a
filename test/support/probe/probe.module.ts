import { Controller, Injectable, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventEnvelope } from '../../../src/contracts/event-envelope';
import { ModuleDatabaseModule } from '../../../src/platform/database/module-database.module';
import { TransactionRunner } from '../../../src/platform/database/transaction-runner';
import { Outbox, PendingEvent } from '../../../src/platform/outbox/outbox';
import { ProbeInit1700000000000 } from './probe.migration';

export const probeEvent = (aggregateId: string, aggregateVersion: number, n: number, type = 'probe.ThingHappened'): PendingEvent => ({
  type,
  version: 1,
  aggregateType: 'Thing',
  aggregateId,
  aggregateVersion,
  payload: { n },
});

/** How often the always-failing handler ran: the dead-letter test counts deliveries with it. */
export const probeCounters = { alwaysFails: 0, broken: true };

@Injectable()
export class ProbeService {
  constructor(
    readonly transactions: TransactionRunner,
    readonly outbox: Outbox,
  ) {}

  write(events: PendingEvent[]): Promise<EventEnvelope[]> {
    return this.transactions.run((manager) => this.outbox.append(manager, events));
  }
}

@Controller()
export class ProbeListener {
  constructor(private readonly transactions: TransactionRunner) {}

  @EventPattern('probe.ThingHappened', { consumer: 'probe' })
  async onThing(@Payload() event: EventEnvelope<'probe.ThingHappened', { n: number }>): Promise<void> {
    await this.transactions.run((manager) =>
      manager.query('INSERT INTO probe.effects (event_id, n) VALUES ($1, $2)', [event.id, event.payload.n]),
    );
  }

  /** Fails while the probe is "broken": a dead letter that an operator retries after the fix. */
  @EventPattern('probe.FailsUntilFixed', { consumer: 'probe' })
  async onFailsUntilFixed(@Payload() event: EventEnvelope<'probe.FailsUntilFixed', { n: number }>): Promise<void> {
    if (probeCounters.broken) throw new Error('the probe is broken');
    await this.onThing(event as unknown as EventEnvelope<'probe.ThingHappened', { n: number }>);
  }

  @EventPattern('probe.AlwaysFails', { consumer: 'probe' })
  onAlwaysFails(): Promise<void> {
    probeCounters.alwaysFails++;
    return Promise.reject(new Error('probe handler always fails'));
  }
}

@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'probe', entities: [], migrations: [ProbeInit1700000000000] })],
  controllers: [ProbeListener],
  providers: [ProbeService],
})
export class ProbeModule {}
