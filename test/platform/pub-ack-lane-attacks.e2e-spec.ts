import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect, headers, NatsConnection } from 'nats';
import { PubAckLane } from '../../src/platform/messaging/pub-ack-lane';
import { freePort } from '../support/free-port';
import { OwnNats } from '../support/own-nats';
import { describeWithNats } from '../support/requires-nats';

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
});
