import { connect, ConnectionOptions, headers } from 'nats';
import { PubAckLane } from '../../../src/platform/messaging/pub-ack-lane';

/**
 * The baseline: `js.publish` of `count` copies of the same bytes with a distinct Nats-Msg-Id
 * each (so the broker's dedup does the same work as for the relay), `inFlight` at once, timed
 * until the last PubAck. Returns messages per second.
 */
export async function barePublish(
  server: string,
  stream: string,
  subject: string,
  body: string,
  count: number,
  options: Partial<ConnectionOptions> = {},
  inFlight = 256,
): Promise<number> {
  const nc = await connect({ servers: server, ...options });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    const js = nc.jetstream();
    const bytes = new TextEncoder().encode(body);
    const prefix = `${stream}-${Date.now()}-`;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) {
          const i = next++;
          const h = headers();
          h.set('Event-Type', 'bench.ThingHappened');
          await js.publish(subject, bytes, { msgID: prefix + i, headers: h });
        }
      }),
    );
    const rate = count / ((performance.now() - started) / 1000);
    await jsm.streams.delete(stream);
    return rate;
  } finally {
    await nc.close();
  }
}

/**
 * The relay's own publish primitive without the relay: PubAckLane (core publish with a reply
 * subject, one reply subscription) of `count` copies, `inFlight` at once, timed until the last
 * PubAck. What the relay's drain would be if claiming and marking cost nothing.
 */
export async function barePubAckLane(server: string, stream: string, subject: string, body: string, count: number, options: Partial<ConnectionOptions> = {}, inFlight = 256): Promise<number> {
  const nc = await connect({ servers: server, ...options });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    const lane = new PubAckLane(nc, 5_000);
    const prefix = `${stream}-${Date.now()}-`;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) {
          const i = next++;
          const h = headers();
          h.set('Nats-Msg-Id', prefix + i);
          h.set('Event-Type', 'bench.ThingHappened');
          const answer = await lane.publish(subject, Buffer.from(body), h);
          if (answer.kind !== 'ack') throw new Error(`bare PubAckLane publish: ${answer.kind} ${'error' in answer ? answer.error : ''}`);
        }
      }),
    );
    const rate = count / ((performance.now() - started) / 1000);
    await jsm.streams.delete(stream);
    return rate;
  } finally {
    await nc.close();
  }
}
