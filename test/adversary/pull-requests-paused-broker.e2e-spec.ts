import { describeWithNats } from '../support/requires-nats';
import { freePort } from '../support/free-port';
import { OwnNats } from '../support/own-nats';
import { PullHarness, publishN, sleep } from './pull-harness';

/**
 * A broker that stops answering without the TCP connection dropping (SIGSTOP here; a stalled
 * network path or a long pause of the server does the same; the client's ping notices only after
 * 2 min). Each pull is taken as lost at its local deadline (expires + 1 s) and the pump sends
 * another. Those requests wait in the socket, and when the broker reads again it gets them all at
 * once. With the durable's one inbox still subscribed it served every one: the process held 8–20
 * messages with a slot limit of 2 (kept alive with +WPI, out of every other replica's reach).
 * A pull taken as lost now takes its inbox with it, so the broker drops the late ones.
 */
describeWithNats('adversary: PullRequests after the broker stalls', () => {
  let nats: OwnNats;
  let h: PullHarness;
  const subject = 'advpause.evt';
  let release!: () => void;

  beforeAll(async () => {
    nats = new OwnNats(await freePort());
    await nats.start();
    h = new PullHarness(nats.url, 'ADVPAUSE', 'mod_t', 2, 0);
    await h.provision(subject);
    await h.start();
  });
  afterAll(async () => {
    nats?.resume();
    release?.();
    await h?.stop().catch(() => undefined);
    await nats?.destroy();
  });


  it('holds no more than its slot limit once the broker answers again', async () => {
    // The first two deliveries hold their slots (a slow handler), so the pump waits and the backlog stays on the stream.
    const gate = new Promise<void>((r) => (release = r));
    const dispatcher = (h.server as unknown as { dispatcher: { dispatch: (...a: unknown[]) => Promise<unknown> } }).dispatcher;
    const original = dispatcher.dispatch;
    let held = 0;
    dispatcher.dispatch = async (...a: unknown[]) => {
      if (held++ < 2) await gate;
      return original(...a);
    };
    await publishN(nats.url, subject, 100);
    await sleep(1_000);
    expect(h.inFlight).toBe(2);

    await nats.pause();
    release(); // the two finish; their acks and the next pulls wait in the socket
    await sleep(8_000);
    const sent = h.publishes.length;
    h.handlerMs = 500; // so what is held shows: each delivery takes a slot for 0.5 s
    nats.resume();

    let maxHeld = 0;
    for (let i = 0; i < 30; i++) {
      maxHeld = Math.max(maxHeld, h.inFlight);
      await sleep(50);
    }
    const info = await h.consumerInfo();
    console.log(`pulls sent (all time) by the end of the stall: ${sent}; held at once after it: ${maxHeld}; dispatched: ${h.dispatched}; broker ack pending now ${info.num_ack_pending} (slot limit ${h.limit})`);
    expect(maxHeld).toBeLessThanOrEqual(h.limit);
  });
});
