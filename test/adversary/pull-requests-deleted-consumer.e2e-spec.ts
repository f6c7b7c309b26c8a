import { connect } from 'nats';
import { describeWithNats } from '../support/requires-nats';
import { NATS_URL } from '../support/test-broker';
import { harnessOnSharedBroker, publishN, sleep } from './pull-harness';

/**
 * A durable deleted under a running pump: its open pull gets "409 Consumer Deleted", which fails
 * it, so the pump logs "cannot pull" and backs off. nats-server 2.9 answers later pulls to the
 * missing durable with nothing (no 503), so each is taken as lost after expires + 1 s: no hot loop.
 * Recreated, the durable is consumed again. (Held.)
 */
describeWithNats('adversary: PullRequests when the durable is deleted', () => {
  const { h, stream, subject } = harnessOnSharedBroker('advdel');

  it('backs off (and says so) while its durable is gone, as the fetch it replaced did', async () => {
    await publishN(NATS_URL, subject, 3);
    await sleep(1_500);
    expect(h.dispatched).toBe(3);

    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).consumers.delete(stream, 'mod_t');
    await nc.close();
    await sleep(500);
    const before = h.publishes.length;
    await sleep(2_000);
    const pulls = h.publishes.length - before;
    console.log(`pull requests in 2 s with the durable gone: ${pulls}; warnings: ${JSON.stringify(h.warnings.slice(0, 3))}`);

    // Recreated (an operator, or another replica booting): consumption resumes.
    await h.addConsumer(subject);
    await publishN(NATS_URL, subject, 2);
    await sleep(2_500);
    console.log(`dispatched after the durable came back: ${h.dispatched}`);

    // fetch + the pump's backoff: at most ~2 s / 250 ms = 8 pulls, with a warning each.
    expect(pulls).toBeLessThan(20);
    expect(h.warnings.some((w) => /cannot pull/.test(w))).toBe(true);
  });
});
