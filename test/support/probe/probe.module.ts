import { Controller, Injectable, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { ContractRegistry } from '../../../src/contracts/contract-registry';
import { defineContract } from '../../../src/contracts/event-contract';
import { EventEnvelope } from '../../../src/contracts/event-envelope';
import { Clock } from '../../../src/platform/clock';
import { ModuleDatabaseModule } from '../../../src/platform/database/module-database.module';
import { TransactionRunner } from '../../../src/platform/database/transaction-runner';
import { ModuleRegistry } from '../../../src/platform/messaging/module-registry';
import { Outbox, PendingEvent } from '../../../src/platform/outbox/outbox';
import { PROBE_CONTRACTS } from './probe.contracts';
import { ProbeInit1700000000000 } from './probe.migration';

/** Any payload goes: what a producer of another version (or a bug elsewhere) could have published. */
const ANY_PAYLOAD = new ContractRegistry(PROBE_CONTRACTS.map((c) => defineContract(c.type, c.version, z.unknown())));

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
  private readonly uncheckedOutbox: Outbox;

  constructor(
    readonly transactions: TransactionRunner,
    readonly outbox: Outbox,
    clock: Clock,
    private readonly modules: ModuleRegistry,
  ) {
    this.uncheckedOutbox = new Outbox('probe', clock, ANY_PAYLOAD);
  }

  write(events: PendingEvent[]): Promise<EventEnvelope[]> {
    return this.transactions.run((manager) => this.outbox.append(manager, events));
  }

  /** Writes events whose payloads this version's contracts refuse, so the consumers' side can be tested. */
  async writeUnchecked(events: PendingEvent[]): Promise<EventEnvelope[]> {
    const envelopes = await this.transactions.run((manager) => this.uncheckedOutbox.append(manager, events));
    this.modules.get('probe').relay?.wake();
    return envelopes;
  }
}

@Controller()
export class ProbeListener {
  constructor(private readonly transactions: TransactionRunner) {}

  @EventPattern('probe.ThingHappened', { consumer: 'probe', version: 1 })
  async onThing(@Payload() event: EventEnvelope<'probe.ThingHappened', { n: number }>): Promise<void> {
    await this.transactions.run((manager) =>
      manager.exec('INSERT INTO probe.effects (event_id, n) VALUES ($1, $2)', [event.id, event.payload.n]),
    );
  }

  /** Fails while the probe is "broken": a dead letter that an operator retries after the fix. */
  @EventPattern('probe.FailsUntilFixed', { consumer: 'probe', version: 1 })
  async onFailsUntilFixed(@Payload() event: EventEnvelope<'probe.FailsUntilFixed', { n: number }>): Promise<void> {
    if (probeCounters.broken) throw new Error('the probe is broken');
    await this.onThing(event as unknown as EventEnvelope<'probe.ThingHappened', { n: number }>);
  }

  @EventPattern('probe.AlwaysFails', { consumer: 'probe', version: 1 })
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
