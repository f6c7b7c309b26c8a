import { connect } from 'nats';
import { describeWithNats } from '../support/requires-nats';
import { NATS_URL, testNamespace } from '../support/test-broker';
import { PullHarness, publishN, sleep } from './pull-harness';

/**
 * A durable deleted under a running pump. The broker answers each pull to a consumer that is not
 * there with a "503 No Responders" status; PullRequests takes any status but 409 as a normal end,
 * so the pump pulls again at once: no backoff, no log, a hot loop of requests. nats.js's fetch
 * (the code this replaced) stopped with NatsError("no responders") on 503, and the pump backed off
 * (250 ms .. 5 s) and logged "cannot pull".
 */
describeWithNats('adversary: PullRequests when the durable is deleted', () => {
  const ns = testNamespace('advdel').toUpperCase();
  const stream = `${ns}_S`;
  const subject = `${ns.toLowerCase()}.evt`;
  const h = new PullHarness(NATS_URL, stream, 'mod_t', 2);

  beforeAll(async () => {
    await h.provision(subject);
    await h.start();
  });
  afterAll(async () => {
    await h.stop().catch(() => undefined);
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

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
