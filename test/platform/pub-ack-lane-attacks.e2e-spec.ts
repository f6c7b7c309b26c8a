import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect, headers, NatsConnection } from 'nats';
import { AppConfig } from '../../src/config/app-config';
import { JetStreamPublisher } from '../../src/platform/messaging/jetstream-publisher';
import { NatsConnectionProvider } from '../../src/platform/messaging/nats-connection';
import { PubAckLane, PubAckResult } from '../../src/platform/messaging/pub-ack-lane';
import { freePort } from '../support/free-port';
import { OwnNats } from '../support/own-nats';
import { describeWithNats } from '../support/requires-nats';
import { waitFor } from '../support/wait-for';

const withId = (id: string) => {
  const h = headers();
  h.set('Nats-Msg-Id', id);
  return h;
};
const bytes = (text: string) => Buffer.from(text);

/**
 * Two users: `relay` may not publish to t.denied.>; `boxed` may or may not subscribe to inboxes
 * (`inboxes`), which a reload changes under its open connection.
 */
function writeConf(path: string, store: string, inboxes: 'allow' | 'deny'): void {
  // JetStream in the file: a reload rereads only the file.
  writeFileSync(
    path,
    `jetstream { store_dir: "${store}" }
authorization { users = [
  { user: relay, password: pw, permissions: { publish: { allow: [">"], deny: ["t.denied.>"] } } },
  { user: boxed, password: pw, permissions: { subscribe: { ${inboxes}: ["_INBOX.>"] } } }
] }\n`,
  );
}

describeWithNats("PubAckLane attacks (a nats-server of the suite's own, with permissions)", () => {
  let nats: OwnNats;
  let conf: string;
  let store: string;
  let nc: NatsConnection;

  beforeAll(async () => {
    conf = join(mkdtempSync(join(tmpdir(), 'lane-perm-')), 'perm.conf');
    nats = new OwnNats(await freePort(), ['-c', conf], true);
    store = nats.storeDir;
    writeConf(conf, store, 'deny');
    await nats.start();
    nc = await connect({ servers: nats.url, user: 'relay', pass: 'pw', noAsyncTraces: true });
    await (await nc.jetstreamManager()).streams.add({ name: 'ATTACK', subjects: ['t.>'] });
  });
  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await nats?.destroy();
    rmSync(dirname(conf), { recursive: true, force: true });
  });

  it('gives a publish the account may not make as refused (counted toward parking), not away after the timeout', async () => {
    // js.publish failed it at once with PERMISSIONS_VIOLATION; the relay counted and parked the row.
    const lane = new PubAckLane(nc, 3_000);
    const started = Date.now();
    const [denied, allowed] = await Promise.all([lane.publish('t.denied.x', bytes('{}'), withId('p-1')), lane.publish('t.ok.x', bytes('{}'), withId('p-2'))]);
    expect(allowed).toEqual({ kind: 'ack', duplicate: false });
    expect(denied.kind).toBe('refused');
    expect((denied as { error: string }).error).toMatch(/PERMISSIONS_VIOLATION: publish to "t.denied.x" denied/);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(nc.isClosed()).toBe(false);
  });

  it('publishes again once the inbox may be subscribed again, on the same connection', async () => {
    const boxed = await connect({ servers: nats.url, user: 'boxed', pass: 'pw', noAsyncTraces: true });
    try {
      const provider = { get: () => Promise.resolve(boxed) } as unknown as NatsConnectionProvider;
      const publisher = new JetStreamPublisher(provider, { nats: { namespace: 't' } } as AppConfig);
      const event = (id: string) => ({ id, type: 'ok.x', body: '{}' });
      // The server refuses the reply subscription: nobody would hear a PubAck.
      expect((await publisher.publish(event('b-0'))).kind).toBe('broker-away');
      writeConf(conf, store, 'allow');
      nats.reload();
      // The relay asks again after its back-off (a whole batch at once); a lane whose subscription was refused is not kept.
      let attempt = 0;
      const batch = () => Promise.all(Array.from({ length: 20 }, () => publisher.publish(event(`b-${++attempt}`))));
      await waitFor('PubAcks after the reload', async () => (await batch()).every((outcome) => outcome.kind === 'ack'), { timeoutMs: 10_000, intervalMs: 200 });
      // One reply subscription: the batch that found the lane closed replaced it once, not once per publish.
      expect((boxed as unknown as { protocol: { subscriptions: { size(): number } } }).protocol.subscriptions.size()).toBe(1);
    } finally {
      await boxed.close();
      writeConf(conf, store, 'deny');
    }
  });
});

describeWithNats("PubAckLane through a broker restart and a pause (a nats-server of the suite's own)", () => {
  let nats: OwnNats;
  let nc: NatsConnection;
  let lane: PubAckLane;

  beforeAll(async () => {
    nats = new OwnNats(await freePort());
    await nats.start();
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100, noAsyncTraces: true });
    await (await nc.jetstreamManager()).streams.add({ name: 'BOUNCE', subjects: ['b.>'] });
    lane = new PubAckLane(nc, 1_500);
  });
  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await nats?.destroy();
  });

  /** Publishes until the broker has each id (as the relay does, away rows again): what each attempt said. */
  async function publishAll(ids: string[], first: Promise<PubAckResult>[]): Promise<string[]> {
    const kinds = (await Promise.all(first)).map((r) => r.kind);
    let left = ids.filter((_, i) => kinds[i] !== 'ack');
    expect(kinds.every((k) => k !== 'refused')).toBe(true);
    await waitFor('every id acknowledged', async () => {
      const again = await Promise.all(left.map((id) => lane.publish('b.x', bytes(`{"id":"${id}"}`), withId(id))));
      left = left.filter((_, i) => again[i].kind !== 'ack');
      return left.length === 0;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    return kinds;
  }

  it('settles publishes that wait through a restart; republished, the stream holds each exactly once', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `r-${i}`);
    const first = ids.slice(0, 50).map((id) => lane.publish('b.x', bytes(`{"id":"${id}"}`), withId(id)));
    await nats.stop();
    // Buffered by the client while it reconnects.
    first.push(...ids.slice(50).map((id) => lane.publish('b.x', bytes(`{"id":"${id}"}`), withId(id))));
    await nats.start();
    await publishAll(ids, first);
    expect((await (await nc.jetstreamManager()).streams.info('BOUNCE')).state.messages).toBe(100);
  });

  it('gives publishes that outlive a frozen broker as away; their late PubAcks are dropped and the repeat is a duplicate', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `p-${i}`);
    await nats.pause();
    const first = ids.map((id) => lane.publish('b.x', bytes(`{"id":"${id}"}`), withId(id)));
    // Frozen until the lane has given every publish an answer (its 1.5 s timeout): a fixed sleep
    // raced it in CI, where a starved worker's timers start from a stale loop clock.
    let answered = 0;
    first.forEach((p) => void p.then(() => answered++));
    await waitFor('every publish answered while the broker is frozen', () => answered === ids.length, { timeoutMs: 10_000, intervalMs: 100 });
    nats.resume();
    const kinds = await publishAll(ids, first);
    // Each one that was not away, with what it said (an ack here: the broker was not frozen yet).
    expect((await Promise.all(first)).filter((_, i) => kinds[i] !== 'away')).toEqual([]);
    expect((await (await nc.jetstreamManager()).streams.info('BOUNCE')).state.messages).toBe(150);
  });
});
