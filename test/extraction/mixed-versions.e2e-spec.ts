import { Controller, DynamicModule, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AppConfig } from '../../src/config/app-config';
import { ModuleDatabaseModule } from '../../src/platform/database/module-database.module';
import { RelaysShutdown } from '../../src/platform/outbox/relays-shutdown';
import { PlatformModule } from '../../src/platform/platform.module';
import { describeWithNats } from '../support/requires-nats';
import { PROBE_CONTRACTS } from '../support/probe/probe.contracts';
import { ProbeInit1700000000000 } from '../support/probe/probe.migration';
import { probeEvent, ProbeService } from '../support/probe/probe.module';
import { ProbeWorld } from '../support/probe/probe-world';
import { startApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** The probe module as an older release had it: it does not handle probe.ThingHappened yet. */
@Controller()
class OlderProbeListener {
  @EventPattern('probe.AlwaysFails', { consumer: 'probe', version: 1 })
  onAlwaysFails(): Promise<void> {
    return Promise.reject(new Error('not under test'));
  }
}

@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'probe', entities: [], migrations: [ProbeInit1700000000000] })],
  controllers: [OlderProbeListener],
  providers: [ProbeService],
})
class OlderProbeModule {}

@Module({})
class OlderProbeApp {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: OlderProbeApp, imports: [PlatformModule.forRoot(config, { contracts: PROBE_CONTRACTS }), OlderProbeModule], providers: [RelaysShutdown] };
  }
}

/**
 * A rolling upgrade: two replicas of one module share its consumers, and only the newer one
 * handles a type. No event of that type may be lost to the older replica (acked unread).
 */
describeWithNats('mixed versions of one module (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('mixed');

  beforeAll(async () => {
    await world.setUp();
    const older = await startApp((c) => OlderProbeApp.forRoot(c), { DATABASE_URL: world.db.url, MESSAGING_NAMESPACE: world.namespace });
    world.apps.push(older);
    await world.start();
  });
  afterAll(() => world.tearDown());

  it('200 events of a type only the newer replica handles: every one applied once', async () => {
    const older = world.probe(world.apps[0]);
    for (let i = 0; i < 200; i += 20) {
      await older.write(Array.from({ length: 20 }, (_, k) => probeEvent(`mixed-${i + k}`, 1, i + k)));
    }
    await waitFor('200 effects', async () => (await world.count('SELECT 1 FROM probe.effects')) >= 200, { timeoutMs: 60_000 });
    // Give an older replica time to ack anything it should not have, then count again.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await world.count('SELECT DISTINCT event_id FROM probe.effects')).toBe(200);
    expect(await world.count('SELECT 1 FROM probe.effects')).toBe(200);
    expect(await world.count(`SELECT 1 FROM probe.inbox WHERE type = 'probe.ThingHappened'`)).toBe(200);
    expect(await world.count('SELECT 1 FROM probe.dead_letter')).toBe(0);
  });
});
