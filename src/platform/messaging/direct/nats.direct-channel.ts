import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { JSONCodec, Subscription } from 'nats';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { NatsConnectionProvider } from '../nats-connection';
import { DirectChannel, DirectHandler, RequestRefusedError } from './direct-channel';

/** Longer than a handler's transaction under load; a request past it is sent again (handlers are idempotent). */
const REQUEST_TIMEOUT_MS = 5_000;

type Reply = { ok: true } | { ok: false; refused: boolean; error: string };

const codec = JSONCodec<unknown>();

/**
 * Core NATS request/reply: nothing is stored. The subject starts with `SHOP-DIRECT`, which no
 * stream of the shop captures (streams are `<namespace>.<module>.>` with lower-case namespaces).
 * Servers of one name form a queue group, so one replica answers each request.
 */
@Injectable()
export class NatsDirectChannel extends DirectChannel implements BeforeApplicationShutdown {
  private readonly logger = new Logger('DirectChannel');
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly nats: NatsConnectionProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async serve(name: string, handler: DirectHandler): Promise<void> {
    const nc = await this.nats.get();
    const subscription = nc.subscribe(this.subject(name), {
      queue: name,
      callback: (error, message) => {
        if (error) return this.logger.warn(`${name}: ${error.message}`);
        void this.answer(handler, message.data)
          .then((reply) => message.respond(codec.encode(reply)))
          .catch((failure) => this.logger.warn(`${name}: no answer sent (${(failure as Error).message})`));
      },
    });
    this.subscriptions.push(subscription);
  }

  /** Stop taking requests while the module's pool is still open: the senders try another replica, or later. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.drain().catch(() => undefined)));
  }

  async send(name: string, body: unknown): Promise<void> {
    const nc = await this.nats.get();
    const message = await nc.request(this.subject(name), codec.encode(body), { timeout: REQUEST_TIMEOUT_MS });
    const reply = codec.decode(message.data) as Reply;
    if (reply.ok) return;
    throw reply.refused ? new RequestRefusedError(reply.error) : new Error(reply.error);
  }

  private async answer(handler: DirectHandler, data: Uint8Array): Promise<Reply> {
    let body: unknown;
    try {
      body = codec.decode(data);
    } catch {
      return { ok: false, refused: true, error: 'the request is not JSON' };
    }
    try {
      await handler(body);
      return { ok: true };
    } catch (error) {
      return { ok: false, refused: error instanceof RequestRefusedError, error: (error as Error).message };
    }
  }

  private subject(name: string): string {
    return `SHOP-DIRECT.${this.config.nats.namespace || '_'}.${name}`;
  }
}
