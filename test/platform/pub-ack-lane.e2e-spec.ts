import { connect, headers, NatsConnection } from 'nats';
import { PubAckLane, PubAckResult } from '../../src/platform/messaging/pub-ack-lane';
import { describeWithNats } from '../support/requires-nats';
import { NATS_URL, testNamespace } from '../support/test-broker';

/** The relay's JetStream publish (core publish + one reply subscription), against a real server. */
describeWithNats('PubAckLane: JetStream publishes over one reply subscription (real NATS)', () => {
  const namespace = testNamespace('puback');
  const stream = `${namespace.toUpperCase()}_LANE`;
  const small = `${namespace.toUpperCase()}_SMALL`;
  let nc: NatsConnection;
  let lane: PubAckLane;

  const withId = (id: string) => {
    const h = headers();
    h.set('Nats-Msg-Id', id);
    return h;
  };
  const bytes = (text: string) => Buffer.from(text);

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${namespace}.lane.>`] });
    await jsm.streams.add({ name: small, subjects: [`${namespace}.small.>`], max_msg_size: 64 });
    lane = new PubAckLane(nc, 5_000);
  });

  afterAll(async () => {
    if (nc.isClosed()) return;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await jsm.streams.delete(small).catch(() => undefined);
    await nc.close();
  });

  it('answers each publish with its own PubAck, and a repeated id as a duplicate', async () => {
    const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => lane.publish(`${namespace}.lane.a`, bytes(`{"n":${i}}`), withId(`e-${i}`))));
    expect(results.every((r) => r.kind === 'ack' && !r.duplicate)).toBe(true);
    const again = await lane.publish(`${namespace}.lane.a`, bytes('{"n":7}'), withId('e-7'));
    expect(again).toEqual({ kind: 'ack', duplicate: true });
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    expect(info.state.messages).toBe(1_000);
    // Each message is where its own publish put it: the n-th publish carried n.
    const js = nc.jetstream();
    const m500 = await (await js.consumers.get(stream)).next();
    expect(m500?.string()).toBe('{"n":0}');
  });

  it('says the broker is away when no stream takes the subject (no responders)', async () => {
    const result = await lane.publish(`${namespace}.nostream.x`, bytes('{}'), withId('x-1'));
    expect(result.kind).toBe('away');
    expect((result as { error: string }).error).toMatch(/no responders/);
  });

  it("gives JetStream's refusal of a message as refused, with the server's reason", async () => {
    const result = await lane.publish(`${namespace}.small.x`, bytes(JSON.stringify({ pad: 'x'.repeat(200) })), withId('big-1'));
    expect(result.kind).toBe('refused');
    expect((result as { error: string }).error).toMatch(/JetStream error \d+: .*(size|maximum)/i);
    // The lane goes on working for the next message.
    expect((await lane.publish(`${namespace}.small.x`, bytes('{}'), withId('ok-1'))).kind).toBe('ack');
  });

  it("refuses a message over the server's max_payload without losing the connection", async () => {
    const over = Buffer.alloc(nc.info!.max_payload + 1, 0x61);
    const result = await lane.publish(`${namespace}.lane.big`, over, withId('huge-1'));
    expect(result.kind).toBe('refused');
    expect(nc.isClosed()).toBe(false);
    expect((await lane.publish(`${namespace}.lane.a`, bytes('{}'), withId('after-huge'))).kind).toBe('ack');
  });

  it('times out a publish nobody answers, and still takes a late answer for a live one', async () => {
    // A core subscriber takes the subject (so no "no responders") and never replies.
    const silent = nc.subscribe(`${namespace}.silent.x`);
    const short = new PubAckLane(nc, 300);
    const started = Date.now();
    const result = await short.publish(`${namespace}.silent.x`, bytes('{}'), withId('s-1'));
    const waited = Date.now() - started;
    expect(result.kind).toBe('away');
    expect((result as { error: string }).error).toMatch(/no PubAck within 300 ms/);
    // Noticed by a sweep every 250 ms: between the timeout and a sweep after it.
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(2_000);
    expect((await short.publish(`${namespace}.lane.a`, bytes('{}'), withId('s-2'))).kind).toBe('ack');
    silent.unsubscribe();
  });

  it('answers every wait as away when the connection closes, and every later publish too', async () => {
    const own = await connect({ servers: NATS_URL, noAsyncTraces: true });
    own.subscribe(`${namespace}.silent.y`);
    const doomed = new PubAckLane(own, 60_000);
    const waiting = Array.from({ length: 20 }, (_, i) => doomed.publish(`${namespace}.silent.y`, bytes('{}'), withId(`d-${i}`)));
    await own.flush();
    await own.close();
    const results: PubAckResult[] = await Promise.all(waiting);
    expect(results.every((r) => r.kind === 'away')).toBe(true);
    expect((await doomed.publish(`${namespace}.lane.a`, bytes('{}'), withId('d-late'))).kind).toBe('away');
  });
  it('settles a publish whatever a responder on its subject answers (JSON null, a number, garbage, huge), and goes on', async () => {
    // A core responder on an event subject (a request handler subscribed too widely, say) answers
    // before or instead of JetStream: its reply must settle the publish, never hang the relay's batch.
    const answers = ['null', '5', '"text"', '[]', '{"stream":""}', '{"error":null}', 'not json', `{"pad":"${'x'.repeat(500_000)}"}`];
    const responders = answers.map((answer, i) => nc.subscribe(`${namespace}.responder.${i}`, { callback: (_e, m) => m.respond(bytes(answer)) }));
    const short = new PubAckLane(nc, 3_000);
    const results = await Promise.all(answers.map((_, i) => short.publish(`${namespace}.responder.${i}`, bytes('{}'), withId(`r-${i}`))));
    expect(results.map((r) => r.kind)).toEqual(answers.map(() => 'refused'));
    responders.forEach((s) => s.unsubscribe());
    expect((await short.publish(`${namespace}.lane.a`, bytes('{}'), withId('after-responders'))).kind).toBe('ack');
    expect(nc.isClosed()).toBe(false);
  });
});
