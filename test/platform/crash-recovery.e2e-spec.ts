import { describeWithNats } from '../support/requires-nats';
import { JsMsg } from 'nats';
import { ConsumerFailPoint } from '../../src/platform/messaging/consumer-fail-point';
import { DispatchOutcome } from '../../src/platform/messaging/event-dispatcher';
import { RelayFailPoint } from '../../src/platform/outbox/relay-round';
import { ProbeWorld } from '../support/probe/probe-world';
import { probeEvent } from '../support/probe/probe.module';
import { readStream } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

/** Throws once, after the broker acked a batch and before the relay marks it: a crash there. */
class DieAfterPubAck extends RelayFailPoint {
  armed = false;
  fired: string[] = [];
  afterPublish(ids: readonly string[]): void {
    if (!this.armed || ids.length === 0) return;
    this.armed = false;
    this.fired = [...ids];
    throw new Error('fail-point: relay died after the PubAck');
  }
}

/** Skips the ack of the first delivery of an armed event: the consumer "dies" after its commit. */
class DieBeforeAck extends ConsumerFailPoint {
  target?: string;
  deliveries: DispatchOutcome[] = [];
  beforeAck(_consumer: string, msg: JsMsg, outcome: DispatchOutcome): boolean {
    if (JSON.parse(msg.string()).id !== this.target) return false;
    this.deliveries.push(outcome);
    return this.deliveries.length === 1;
  }
}

describeWithNats('crash recovery (real Postgres, real JetStream)', () => {
  const world = new ProbeWorld('crash');
  const relayFailPoint = new DieAfterPubAck();
  const consumerFailPoint = new DieBeforeAck();

  beforeAll(async () => {
    await world.setUp();
    await world.start({ RELAY_LEASE_MS: '500', CONSUMER_ACK_WAIT_MS: '1000', RELAY_MAX_ATTEMPTS: '3' }, [
      { provide: RelayFailPoint, useValue: relayFailPoint },
      { provide: ConsumerFailPoint, useValue: consumerFailPoint },
    ]);
  });
  afterAll(() => world.tearDown());

  it('a relay that dies after the PubAck republishes; the broker reports a duplicate; no second effect', async () => {
    const app = world.apps[0];
    relayFailPoint.armed = true;
    const [event] = await world.probe(app).write([probeEvent('crash-relay', 1, 1)]);
    await waitFor('the fail-point', () => relayFailPoint.fired.includes(event.id));
    await waitFor('the row published again and marked (the dead batch rolled back)', async () =>
      (await world.count('SELECT 1 FROM probe.outbox WHERE id = $1 AND published_at IS NOT NULL', [event.id])) === 1,
    );

    expect(world.messaging(app).relay!.stats.duplicates).toBeGreaterThanOrEqual(1);
    const onStream = (await readStream(world.stream)).filter((m) => m.headers?.get('Nats-Msg-Id') === event.id);
    expect(onStream).toHaveLength(1);
    await waitFor('the effect', async () => (await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [event.id])) === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [event.id])).toBe(1);
  });

  it('a message redelivered after its effect committed (no ack) has no second effect', async () => {
    const app = world.apps[0];
    const probe = world.probe(app);
    await probe.transactions.run(async (manager) => {
      const [event] = await probe.outbox.append(manager, [probeEvent('crash-consumer', 1, 2)]);
      consumerFailPoint.target = event.id;
    });
    await waitFor('the redelivery after ack_wait', () => consumerFailPoint.deliveries.length >= 2, { timeoutMs: 20_000 });

    expect(consumerFailPoint.deliveries[0]).toEqual({ kind: 'ack', duplicate: false });
    expect(consumerFailPoint.deliveries[1]).toEqual({ kind: 'ack', duplicate: true });
    expect(await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [consumerFailPoint.target])).toBe(1);
  });

  it('parks an event over the broker max payload after the attempts run out; other aggregates keep flowing', async () => {
    const probe = world.probe(world.apps[0]);
    const [huge] = await probe.writeUnchecked([{ ...probeEvent('huge', 1, 0), payload: { n: 1, blob: 'x'.repeat(2 * 1024 * 1024) } }]);
    const [next] = await probe.write([probeEvent('after-huge', 1, 3)]);

    await waitFor('the huge event parked', async () =>
      (await world.count(`SELECT 1 FROM probe.dead_letter WHERE event_id = $1 AND source = 'outbox'`, [huge.id])) === 1,
    );
    const [letter] = await world.db.query('SELECT error, attempts FROM probe.dead_letter WHERE event_id = $1', [huge.id]);
    expect(letter.attempts).toBe(3);
    expect(letter.error).toMatch(/MAX_PAYLOAD_EXCEEDED|max.?payload/i);
    expect(await world.count('SELECT 1 FROM probe.outbox WHERE id = $1', [huge.id])).toBe(0);
    await waitFor('the other aggregate applied', async () => (await world.count('SELECT 1 FROM probe.effects WHERE event_id = $1', [next.id])) === 1);
  });
});
