import { connect, ConnectionOptions, headers } from 'nats';

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
