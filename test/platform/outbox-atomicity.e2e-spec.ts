import { randomUUID } from 'node:crypto';
import { describeWithNats } from '../support/requires-nats';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ModuleRegistry } from '../../src/platform/messaging/module-registry';
import { EventBreaksContractError, OutboxRequiresTransactionError } from '../../src/platform/outbox/outbox';
import { ProbeAppModule } from '../support/probe/probe.app';
import { probeEvent, ProbeService } from '../support/probe/probe.module';
import { deleteNamespace, readStream, testNamespace } from '../support/test-broker';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

describeWithNats('outbox atomicity (real Postgres, real JetStream)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let probe: ProbeService;
  const namespace = testNamespace('atomic');
  const stream = `${namespace.toUpperCase()}_PROBE`;

  beforeAll(async () => {
    db = await createTestDatabase('atomic');
    app = await startApp((c) => ProbeAppModule.forRoot(c), { DATABASE_URL: db.url, MESSAGING_NAMESPACE: namespace });
    probe = app.get(ProbeService);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await deleteNamespace(namespace);
  });

  it('publishes a committed event and the consumer applies it once', async () => {
    const [event] = await probe.write([probeEvent('a-1', 1, 7)]);
    await waitFor('the effect', async () => (await db.query('SELECT * FROM probe.effects WHERE event_id = $1', [event.id])).length === 1);
    const messages = await readStream(stream);
    expect(messages.map((m) => m.headers?.get('Nats-Msg-Id'))).toEqual([event.id]);
    expect(JSON.parse(messages[0].string())).toMatchObject({ id: event.id, type: 'probe.ThingHappened', payload: { n: 7 } });
  });

  it('a transaction that throws after appending leaves no outbox row and puts nothing on the stream', async () => {
    const before = (await readStream(stream)).length;
    await expect(
      probe.transactions.run(async (manager) => {
        await probe.outbox.append(manager, [probeEvent('rolled-back', 1, 1)]);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');

    expect(await db.query(`SELECT * FROM probe.outbox WHERE aggregate_id = 'rolled-back'`)).toHaveLength(0);
    // A later committed event goes through, so the relay has run since the rollback.
    const [later] = await probe.write([probeEvent('after', 1, 2)]);
    await waitFor('the later event published', async () =>
      (await db.query('SELECT 1 FROM probe.outbox WHERE id = $1 AND published_at IS NOT NULL', [later.id])).length === 1,
    );
    const after = await readStream(stream);
    expect(after).toHaveLength(before + 1);
    expect(after.map((m) => JSON.parse(m.string()).aggregateId)).not.toContain('rolled-back');
  });

  it.each([
    ['a payload that breaks its contract', { ...probeEvent('broken-payload', 1, 1), payload: { n: 'one' } }, /payload breaks probe\.ThingHappened@v1: .*→ at n/],
    ['a type without a contract', probeEvent('no-contract', 1, 1, 'probe.NeverRegistered'), /no contract for probe\.NeverRegistered@v1/],
    ['a broken envelope', { ...probeEvent('', 1, 1) }, /invalid envelope: .*→ at aggregateId/],
  ])('refuses %s: the error names the contract and the field, the transaction commits nothing', async (_case, event, reason) => {
    const marker = randomUUID();
    const failure = probe.transactions.run(async (manager) => {
      await manager.exec('INSERT INTO probe.effects (event_id, n) VALUES ($1, 0)', [marker]);
      await probe.outbox.append(manager, [probeEvent('valid-sibling', 1, 1), event]);
    });
    await expect(failure).rejects.toBeInstanceOf(EventBreaksContractError);
    await expect(failure).rejects.toThrow(reason);
    expect(await db.query('SELECT 1 FROM probe.effects WHERE event_id = $1', [marker])).toHaveLength(0);
    expect(await db.query(`SELECT 1 FROM probe.outbox WHERE aggregate_id IN ($1, 'valid-sibling')`, [event.aggregateId])).toHaveLength(0);
  });

  it('refuses to append without a transaction', async () => {
    const registry = app.get(ModuleRegistry);
    const manager = registry.get('probe').transactions.dataSource.manager;
    await expect(probe.outbox.append(manager, [probeEvent('no-tx', 1, 1)])).rejects.toBeInstanceOf(
      OutboxRequiresTransactionError,
    );
  });
});
