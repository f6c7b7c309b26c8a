import { connect } from 'nats';
import { ACK_LINGER_MS } from '../../src/platform/messaging/jetstream.server';
import { harnessOnSharedBroker, PullHarness, sleep } from '../adversary/pull-harness';
import { describeWithNats } from '../support/requires-nats';
import { NATS_URL } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

/**
 * Acks linger ACK_LINGER_MS to share a socket write (JetStreamServer.settle): a close still sends
 * every ack it holds before it returns, so a rolling restart redelivers nothing. The real
 * JetStreamServer on the real broker (PullHarness).
 */
describeWithNats('acks that linger (real JetStream)', () => {
  const { h, stream, subject } = harnessOnSharedBroker('acklinger');

  it('a close sends the acks of the deliveries that ended during it before it returns: the broker holds none unacked, a new server gets nothing again', async () => {
    const nc = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    for (let i = 0; i < 18; i++) await js.publish(subject, new TextEncoder().encode(`m${i}`));
    await waitFor('the first messages dispatched', async () => h.dispatched === 18, { timeoutMs: 10_000, intervalMs: 1 });
    // The last two handlers outlast the pumps' close (a pull's expiry): their acks are queued as the
    // close ends, and then the connection goes, as the process's does after its servers close.
    h.handlerMs = 1_500;
    for (let i = 18; i < 20; i++) await js.publish(subject, new TextEncoder().encode(`m${i}`));
    await waitFor('the last two running', async () => h.running === 2, { timeoutMs: 10_000, intervalMs: 1 });
    await h.server.close();
    await h.nc.drain();
    expect(h.dispatched).toBe(20);
    const info = await h.consumerInfo();
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);

    const again = new PullHarness(NATS_URL, stream, h.durable, 2);
    await again.start();
    try {
      await sleep(ACK_LINGER_MS * 10);
      expect(again.dispatched).toBe(0);
    } finally {
      await again.stop();
      await nc.close();
    }
  });
});
