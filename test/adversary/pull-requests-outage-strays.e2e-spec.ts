import { describeWithNats } from '../support/requires-nats';
import { freePort } from '../support/free-port';
import { OwnNats } from '../support/own-nats';
import { HoldingProxy } from '../support/holding-proxy';
import { PullHarness, publishN, sleep } from './pull-harness';

/**
 * While NATS is away, each pump keeps pulling: every pull goes into nats.js's reconnect buffer, is
 * taken as lost at its local deadline (expires + 1 s) and replaced. Were those requests to reach
 * the broker on reconnect, each would be served to the durable's inbox at once, and the process
 * would hold many times its slot limit. nats.js drops the reconnect buffer when it redials, so it
 * holds no more than its limit (an attack of the pull-requests review that held).
 */
describeWithNats('adversary: PullRequests after an outage', () => {
  let nats: OwnNats;
  let h: PullHarness;
  let gate: HoldingProxy;
  const FAKE_INFO = 'INFO {"server_id":"away","version":"2.9.0","max_payload":1048576,"headers":true,"proto":1}\r\n';
  const subject = 'advout.evt';

  beforeAll(async () => {
    nats = new OwnNats(await freePort());
    await nats.start();
    gate = new HoldingProxy({ host: '127.0.0.1', port: nats.port });
    const via = await gate.start();
    h = new PullHarness(nats.url, 'ADVOUT', 'mod_t', 2, 1_000);
    await h.provision(subject);
    (h as { url: string }).url = via;
    await h.start();
    (h as { url: string }).url = nats.url;
  });
  afterAll(async () => {
    await h?.stop().catch(() => undefined);
    await gate?.close();
    await nats?.destroy();
  });

  it('holds no more than its slot limit after NATS comes back from an 8 s outage', async () => {
    // The network to NATS goes away for 8 s (the broker stays up); the backlog builds meanwhile.
    gate.hangUpAfter(FAKE_INFO);
    gate.dropAll();
    await publishN(nats.url, subject, 60);
    await sleep(8_000);
    const buffered = h.publishes.length;
    gate.forward();
    let maxHeld = 0;
    let maxAckPending = 0;
    for (let i = 0; i < 20; i++) {
      maxHeld = Math.max(maxHeld, h.inFlight);
      maxAckPending = Math.max(maxAckPending, (await h.consumerInfo()).num_ack_pending);
      await sleep(100);
    }
    console.log(`pull requests published by the end of the outage: ${buffered}; held at once: ${maxHeld}, broker's ack pending: ${maxAckPending} (slot limit ${h.limit})`);
    expect(maxAckPending).toBeLessThanOrEqual(h.limit);
    expect(maxHeld).toBeLessThanOrEqual(h.limit);
  });
});
