import { randomBytes } from 'node:crypto';
import { connect, JsMsg, NatsConnection } from 'nats';

export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A namespace of the suite's own: its streams, subjects and consumers; deleted at the end. */
export function testNamespace(prefix: string): string {
  return `t_${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function deleteNamespace(namespace: string, url = NATS_URL): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      if (stream.config.name.startsWith(`${namespace.toUpperCase()}_`)) await jsm.streams.delete(stream.config.name);
    }
  } finally {
    await nc.close();
  }
}

/** Reads a whole stream in order, without touching the application's durable consumers. */
export async function readStream(stream: string, url = NATS_URL): Promise<JsMsg[]> {
  const nc: NatsConnection = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    const total = (await jsm.streams.info(stream)).state.messages;
    const messages: JsMsg[] = [];
    if (total === 0) return messages;
    const consumer = await nc.jetstream().consumers.get(stream);
    const iter = await consumer.consume({ max_messages: 500 });
    for await (const m of iter) {
      messages.push(m);
      if (messages.length >= total) break;
    }
    return messages;
  } finally {
    await nc.close();
  }
}

export async function streamMessageCount(stream: string, url = NATS_URL): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    return (await (await nc.jetstreamManager()).streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}
