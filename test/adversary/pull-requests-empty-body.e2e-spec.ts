import { connect, headers } from 'nats';
import { describeWithNats } from '../support/requires-nats';
import { NATS_URL } from '../support/test-broker';
import { harnessOnSharedBroker, sleep } from './pull-harness';

/** A zero-length event payload, with and without headers, is a message, not a status. (Held.) */
describeWithNats('adversary: PullRequests and empty bodies', () => {
  const { h, subject } = harnessOnSharedBroker('advempty');

  it('dispatches empty-body messages and acks them', async () => {
    const nc = await connect({ servers: NATS_URL });
    const js = nc.jetstream();
    const hd = headers();
    hd.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    await js.publish(subject, new Uint8Array(0));
    await js.publish(subject, new Uint8Array(0), { headers: hd });
    await js.publish(subject, new Uint8Array(0), { msgID: 'x1' });
    await nc.close();
    await sleep(2_000);
    expect(h.bodies).toEqual(['', '', '']);
    expect((await h.consumerInfo()).num_ack_pending).toBe(0);
  });
});
