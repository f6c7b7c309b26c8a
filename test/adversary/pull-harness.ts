import { AckPolicy, connect, NatsConnection } from 'nats';
import { NATS_URL, testNamespace } from '../support/test-broker';
import { JetStreamServer } from '../../src/platform/messaging/jetstream.server';
import { ConsumerSlots } from '../../src/platform/messaging/consumer-slots';

/**
 * The real JetStreamServer (its pump, PullRequests, run/process) with its collaborators stubbed:
 * one consumer 'mod' on one durable of `stream`. Each dispatch waits `handlerMs` and counts.
 */
export class PullHarness {
  nc!: NatsConnection;
  server!: JetStreamServer;
  readonly bodies: string[] = [];
  readonly subjects: string[] = [];
  running = 0;
  maxRunning = 0;
  dispatched = 0;
  publishes: string[] = [];
  warnings: string[] = [];

  constructor(
    public url: string,
    readonly stream: string,
    readonly durable: string,
    readonly limit = 2,
    public handlerMs = 0,
  ) {}

  async provision(subject: string): Promise<void> {
    const nc = await connect({ servers: this.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: this.stream, subjects: [subject] });
    await this.addConsumer(subject, nc);
    await nc.close();
  }

  async addConsumer(subject: string, nc?: NatsConnection): Promise<void> {
    const own = !nc;
    nc ??= await connect({ servers: this.url });
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(this.stream, { durable_name: this.durable, ack_policy: AckPolicy.Explicit, ack_wait: 30_000_000_000, filter_subject: subject, max_deliver: -1, max_ack_pending: 20_000 });
    if (own) await nc.close();
  }

  async start(): Promise<void> {
    // As NatsConnectionProvider does: reconnect forever, 250 ms apart.
    this.nc = await connect({ servers: this.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const original = this.nc.publish.bind(this.nc);
    this.nc.publish = ((subject: string, ...rest: unknown[]) => {
      if (subject.includes('CONSUMER.MSG.NEXT')) this.publishes.push(subject);
      return (original as (...a: unknown[]) => void)(subject, ...rest);
    }) as NatsConnection['publish'];
    const config = { consumer: { ackWaitMs: 30_000, backoffBaseMs: 100, backoffMaxMs: 1_000, concurrency: this.limit }, database: { poolSize: this.limit + 2 } };
    const slots = new ConsumerSlots(config as never, undefined, { utilization: () => 0 } as never);
    const dispatcher = {
      register: () => undefined,
      consumers: () => ['mod'],
      typesOf: () => ['t'],
      dispatch: async (_c: string, _t: string, body: string) => {
        this.running++;
        this.maxRunning = Math.max(this.maxRunning, this.running);
        this.bodies.push(body);
        await new Promise((r) => setTimeout(r, this.handlerMs));
        this.running--;
        this.dispatched++;
        return { kind: 'ack', duplicate: false };
      },
    };
    const provisioner = { ensureStream: async () => this.stream, ensureConsumer: async () => this.durable, names: { typeOf: (s: string) => s } };
    this.server = new JetStreamServer({ get: async () => this.nc } as never, provisioner as never, dispatcher as never, { all: () => [] } as never, slots, config as never);
    (this.server as unknown as { logger: unknown }).logger = {
      warn: (m: string) => this.warnings.push(m),
      error: (m: string) => this.warnings.push(m),
      log: () => undefined,
    };
    await new Promise<void>((done, fail) => this.server.listen((e) => (e ? fail(e) : done())));
  }

  /** Messages this process holds: pulled from the broker, not yet settled. */
  get inFlight(): number {
    return (this.server as unknown as { inFlight: Set<unknown> }).inFlight.size;
  }

  async consumerInfo(): Promise<{ num_ack_pending: number; num_pending: number; num_redelivered: number; delivered: { consumer_seq: number } }> {
    const nc = await connect({ servers: this.url });
    try {
      return (await (await nc.jetstreamManager()).consumers.info(this.stream, this.durable)) as never;
    } finally {
      await nc.close();
    }
  }

  async stop(): Promise<void> {
    await this.server?.close();
    await this.nc?.drain().catch(() => this.nc.close());
  }
}

export async function publishN(url: string, subject: string, n: number, body: (i: number) => string = (i) => `m${i}`): Promise<void> {
  const nc = await connect({ servers: url });
  const js = nc.jetstream();
  for (let i = 0; i < n; i++) await js.publish(subject, new TextEncoder().encode(body(i)));
  await nc.close();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A harness on the shared broker, in a stream of its own, started before the suite's tests and deleted after. */
export function harnessOnSharedBroker(prefix: string): { h: PullHarness; stream: string; subject: string } {
  const ns = testNamespace(prefix).toUpperCase();
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
  return { h, stream, subject };
}
