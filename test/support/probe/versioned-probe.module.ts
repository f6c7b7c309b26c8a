import { Controller, DynamicModule, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { AppConfig } from '../../../src/config/app-config';
import { defineContract } from '../../../src/contracts/event-contract';
import { EventEnvelope } from '../../../src/contracts/event-envelope';
import { defineUpcaster } from '../../../src/contracts/upcaster';
import { ModuleDatabaseModule } from '../../../src/platform/database/module-database.module';
import { TransactionRunner } from '../../../src/platform/database/transaction-runner';
import { Listens } from '../../../src/platform/messaging/listens.decorator';
import { RelaysShutdown } from '../../../src/platform/outbox/relays-shutdown';
import { PlatformModule } from '../../../src/platform/platform.module';
import { ProbeInit1700000000000 } from './probe.migration';

/**
 * Test-only versions of a probe event, to attack versioned reading without business rules:
 * v1 carries a secret `pin` (as OrderPlaced v1 carried the card token), v2 a `label` instead; the
 * v1 → v2 upcaster throws on n = 13, quoting the payload. `OnlyOld` has one listener, which takes v1 as it is.
 */
export const VersionedV1 = defineContract('probe.Versioned', 1, z.object({ n: z.number().int(), pin: z.string() }).strict(), { secret: ['pin'] });
export const VersionedV2 = defineContract('probe.Versioned', 2, z.object({ n: z.number().int(), label: z.string() }).strict());
export const OnlyOldV1 = defineContract('probe.OnlyOld', 1, z.object({ n: z.number().int() }).strict());
export const OnlyOldV2 = defineContract('probe.OnlyOld', 2, z.object({ n: z.number().int(), label: z.string() }).strict());
export const VersionedV1ToV2 = defineUpcaster(VersionedV1, VersionedV2, (payload) => {
  // Quotes what it read, as a careless upcaster would: the secret with it.
  if (payload.n === 13) throw new Error(`boom: the upcaster cannot read ${JSON.stringify(payload)}`);
  return { n: payload.n, label: 'from-v1' };
});

/** While set, the v2 listener fails on n = 66: a delivery parked for the handler's own failure. */
export const versionedProbeFlags = { broken: true };

@Controller()
export class VersionedProbeListener {
  constructor(private readonly transactions: TransactionRunner) {}

  @Listens(VersionedV2, 'probe')
  async onVersioned(@Payload() event: EventEnvelope<'probe.Versioned', { n: number }>) {
    if (event.payload.n === 66 && versionedProbeFlags.broken) throw new Error('the probe is broken on 66');
    return this.effect(event);
  }

  @Listens(OnlyOldV1, 'probe', { onlyThisVersion: true })
  onOnlyOldV1(@Payload() event: EventEnvelope<'probe.OnlyOld', { n: number }>) {
    return this.effect(event);
  }

  private effect(event: EventEnvelope<string, { n: number }>) {
    return this.transactions.run((manager) => manager.exec('INSERT INTO probe.effects (event_id, n) VALUES ($1, $2)', [event.id, event.payload.n]));
  }
}

@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'probe', entities: [], migrations: [ProbeInit1700000000000] })],
  controllers: [VersionedProbeListener],
})
export class VersionedProbeModule {}

@Module({})
export class VersionedProbeAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: VersionedProbeAppModule,
      imports: [
        PlatformModule.forRoot(config, { contracts: [VersionedV1, VersionedV2, OnlyOldV1, OnlyOldV2], upcasters: [VersionedV1ToV2] }),
        VersionedProbeModule,
      ],
      providers: [RelaysShutdown],
    };
  }
}
