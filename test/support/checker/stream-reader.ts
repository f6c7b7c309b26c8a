import { connect, NatsConnection } from 'nats';

export interface StreamMessage {
  seq: number;
  subject: string;
  /** The Nats-Msg-Id header: the relay sets it to the outbox row's id. */
  msgId: string | undefined;
  /** The envelope's own id, read from the body. */
  eventId: string | undefined;
}

/**
 * Reads a whole stream through an ordered (ephemeral) consumer of the checker's own connection:
 * the application's durable consumers are not touched. Undefined when the stream does not exist.
 */
export async function readStreamMessages(url: string, stream: string, timeoutMs = 60_000): Promise<StreamMessage[] | undefined> {
  const nc: NatsConnection = await connect({ servers: url, timeout: 5_000 });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream).catch((error) => {
      if (/not found/i.test(String(error?.message))) return undefined;
      throw error;
    });
    if (!info) return undefined;
    const { messages: total, last_seq: lastSeq } = info.state;
    const read: StreamMessage[] = [];
    if (total === 0) return read;
    const consumer = await nc.jetstream().consumers.get(stream);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const batch = await consumer.fetch({ max_messages: 1_000, expires: 2_000 });
      for await (const m of batch) {
        read.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') || undefined, eventId: idOf(m.string()) });
        if (m.seq >= lastSeq) return read;
      }
    }
    throw new Error(`read ${read.length} of ${total} messages of ${stream} in ${timeoutMs} ms`);
  } finally {
    await nc.close();
  }
}

function idOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
