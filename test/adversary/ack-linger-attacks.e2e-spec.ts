import { AckPolicy, connect } from 'nats';
import { createServer, Server, Socket, connect as tcpConnect } from 'node:net';
import { ACK_LINGER_MS } from '../../src/platform/messaging/jetstream.server';
import { SettleBatch } from '../../src/platform/messaging/settle-batch';
import { PullHarness, sleep } from './pull-harness';
import { describeWithNats } from '../support/requires-nats';
import { NATS_URL, testNamespace } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

/** A TCP proxy to the shared broker whose live sockets can be cut (a broker outage / network blip). */
class CuttableProxy {
  private server?: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  async start(): Promise<string> {
    this.server = createServer((client) => {
      const upstream = tcpConnect(4222, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r, fail) => this.server!.once('error', fail).listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return `nats://127.0.0.1:${this.port}`;
  }
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }
  /** The broker unreachable until `start` again (same port): live sockets cut, new ones refused. */
  async down(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server?.close(r));
  }
  /** Down for good: the next `start` takes a new port. */
  async close(): Promise<void> {
    await this.down();
    this.port = 0;
  }
}

/**
 * Attacks on the lingering acks (76579d5): the connection to the broker breaks while acks are
 * queued (in SettleBatch or in nats.js's outbound buffer); a nak's delay; a graceful stop right
 * after a burst. Redeliveries are counted by the harness's dispatches beyond the messages published.
 */
describeWithNats('lingering acks under a broken connection (real JetStream, cut through a proxy)', () => {
  const ns = testNamespace('ackcut').toUpperCase();
  const stream = `${ns}_S`;
  const subject = `${ns.toLowerCase()}.evt`;
  const ACK_WAIT_MS = 2_000;
  let proxy: CuttableProxy;

  beforeAll(async () => {
    proxy = new CuttableProxy();
    const nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    await nc.close();
  });

  afterAll(async () => {
    await proxy?.close();
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  const durable = async (name: string, ackWaitMs = ACK_WAIT_MS) => {
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).consumers.add(stream, {
      durable_name: name, ack_policy: AckPolicy.Explicit, ack_wait: ackWaitMs * 1_000_000, filter_subject: subject, max_deliver: -1, max_ack_pending: 20_000,
    });
    await nc.close();
  };

  const purge = async () => {
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.purge(stream);
    await nc.close();
  };

  /**
   * Deliveries still in their handlers when the broker becomes unreachable; they finish during the
   * outage, so every ack is settled while the connection is down. `waits`: the server's own
   * SettleBatch (it holds them for the reconnect); otherwise the previous behaviour, handing them
   * to nats.js at once, whose buffer is emptied when it dials again (`prepare`).
   */
  async function outage(name: string, waits: boolean): Promise<{ redelivered: number; ackPending: number }> {
    await purge();
    // The acks reach the broker only after the outage (the handlers, the reconnect, the linger:
    // about 1.3 s here); a 2 s ack_wait left a loaded machine little room before a redelivery.
    const ackWaitMs = 5_000;
    await durable(name, ackWaitMs);
    const url = await proxy.start();
    const N = 8;
    const h = new PullHarness(url, stream, name, N, 600);
    await h.start();
    if (!waits) (h.server as unknown as { settles: SettleBatch }).settles = new SettleBatch(ACK_LINGER_MS);
    try {
      const nc = await connect({ servers: NATS_URL });
      const js = nc.jetstream();
      await Promise.all(Array.from({ length: N }, (_, i) => js.publish(subject, new TextEncoder().encode(`m${i}`))));
      await nc.close();
      await waitFor('every message in a handler', async () => h.running === N, { timeoutMs: 20_000, intervalMs: 5 });
      await proxy.down();
      // The handlers end (600 ms) while the broker is unreachable; their acks are settled then.
      await waitFor('every handler done', async () => h.dispatched >= N, { timeoutMs: 20_000, intervalMs: 5 });
      await sleep(100);
      await proxy.start();
      await sleep(ackWaitMs + 2_000);
      const info = await h.consumerInfo();
      console.log(`${waits ? 'waiting' : 'not waiting'} for the reconnect: ${N} acks settled during an outage, ${h.dispatched - N} redelivered, ack_pending=${info.num_ack_pending}`);
      return { redelivered: h.dispatched - N, ackPending: info.num_ack_pending };
    } finally {
      await h.stop().catch(() => undefined);
      await proxy.close();
    }
  }

  it('acks settled while the broker is unreachable wait for the reconnect: none come again', async () => {
    const { redelivered, ackPending } = await outage('down1', true);
    expect(ackPending).toBe(0);
    expect(redelivered).toBe(0);
  });

  it('the control: handed to nats.js during the outage (the previous behaviour), every one comes again after ack_wait', async () => {
    const { redelivered, ackPending } = await outage('down0', false);
    expect(ackPending).toBe(0);
    expect(redelivered).toBe(8);
  });

  it('a nak with a delay: the redelivery comes about delay + ACK_LINGER_MS later, not before the delay', async () => {
    await purge();
    await durable('nak1');
    const h = new PullHarness(NATS_URL, stream, 'nak1', 2);
    const seen: number[] = [];
    await h.start();
    const dispatcher = (h.server as unknown as { dispatcher: { dispatch: (...a: unknown[]) => Promise<unknown> } }).dispatcher;
    dispatcher.dispatch = async () => {
      seen.push(Date.now());
      return seen.length === 1 ? { kind: 'retry', delayMs: 300 } : { kind: 'ack', duplicate: false };
    };
    try {
      const nc = await connect({ servers: NATS_URL });
      await nc.jetstream().publish(subject, new TextEncoder().encode('x'));
      await nc.close();
      await waitFor('redelivered', async () => seen.length >= 2, { timeoutMs: 10_000, intervalMs: 5 });
      const gap = seen[1] - seen[0];
       
      console.log(`nak(300) redelivered after ${gap} ms (linger ${ACK_LINGER_MS} ms)`);
      expect(gap).toBeGreaterThanOrEqual(300);
      expect(gap).toBeLessThan(300 + ACK_LINGER_MS + 1_200);
    } finally {
      await h.stop().catch(() => undefined);
    }
  });

  it('a graceful stop right after a burst: nothing redelivered to the next server', async () => {
    await purge();
    await durable('stop1');
    const h = new PullHarness(NATS_URL, stream, 'stop1', 8);
    await h.start();
    const nc = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    const N = 100;
    await Promise.all(Array.from({ length: N }, (_, i) => js.publish(subject, new TextEncoder().encode(`m${i}`))));
    await waitFor('all dispatched', async () => h.dispatched >= N, { timeoutMs: 20_000, intervalMs: 1 });
    await h.server.close();
    // As the app's NatsConnectionProvider when its drain fails: a plain close.
    await h.nc.close();
    const info = await h.consumerInfo();
    expect(info.num_ack_pending).toBe(0);
    const again = new PullHarness(NATS_URL, stream, 'stop1', 2);
    await again.start();
    await sleep(ACK_WAIT_MS + 500);
    await again.stop();
    await nc.close();
    expect(again.dispatched).toBe(0);
  });
});
