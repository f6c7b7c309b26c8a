import { connect, ConnectionOptions, headers, MsgHdrs, NatsConnection } from 'nats';
import { PubAckLane } from '../../../src/platform/messaging/pub-ack-lane';

/** Publishes one copy with this id and headers, resolving at its PubAck. */
type PublishOne = (id: string, h: MsgHdrs) => Promise<unknown>;

/**
 * `count` copies of the same bytes with a distinct Nats-Msg-Id each (so the broker's dedup does
 * the same work as for the relay), `inFlight` at once, on a stream of their own, timed until the
 * last PubAck. Returns messages per second.
 */
async function timedPublishes(
  server: string,
  stream: string,
  subject: string,
  count: number,
  options: Partial<ConnectionOptions>,
  inFlight: number,
  publisherOf: (nc: NatsConnection) => PublishOne,
): Promise<number> {
  const nc = await connect({ servers: server, ...options });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    const publish = publisherOf(nc);
    const prefix = `${stream}-${Date.now()}-`;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) {
          const i = next++;
          const h = headers();
          h.set('Event-Type', 'bench.ThingHappened');
          await publish(prefix + i, h);
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

/** The baseline: the client's `js.publish` (a request per message), the body encoded once. */
export function barePublish(server: string, stream: string, subject: string, body: string, count: number, options: Partial<ConnectionOptions> = {}, inFlight = 256): Promise<number> {
  const bytes = new TextEncoder().encode(body);
  return timedPublishes(server, stream, subject, count, options, inFlight, (nc) => {
    const js = nc.jetstream();
    return (id, h) => js.publish(subject, bytes, { msgID: id, headers: h });
  });
}

/**
 * The relay's own publish primitive without the relay: PubAckLane (core publish with a reply
 * subject, one reply subscription), the body encoded per message as the relay does. What the
 * relay's drain would be if claiming and marking cost nothing.
 */
export function barePubAckLane(server: string, stream: string, subject: string, body: string, count: number, options: Partial<ConnectionOptions> = {}, inFlight = 256): Promise<number> {
  return timedPublishes(server, stream, subject, count, options, inFlight, (nc) => {
    const lane = new PubAckLane(nc, 5_000);
    return async (id, h) => {
      h.set('Nats-Msg-Id', id);
      const answer = await lane.publish(subject, Buffer.from(body), h);
      if (answer.kind !== 'ack') throw new Error(`bare PubAckLane publish: ${answer.kind} ${'error' in answer ? answer.error : ''}`);
    };
  });
}
