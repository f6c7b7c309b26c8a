import { Inject, Injectable, Optional } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { ConsumerMessages, JsMsg } from 'nats';
import { producerOf } from '../../contracts/event-contract';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { ConsumerFailPoint } from './consumer-fail-point';
import { DispatchOutcome, EventDispatcher } from './event-dispatcher';
import { JetStreamProvisioner } from './jetstream-provisioner';
import { ModuleRegistry } from './module-registry';
import { NatsConnectionProvider } from './nats-connection';
import { registerEventHandlers } from './nest-handlers';

export const JETSTREAM_TRANSPORT = Symbol('JETSTREAM_TRANSPORT');

/**
 * A custom transport of @nestjs/microservices: listeners are `@EventPattern(type, { consumer })`
 * methods; each consuming module gets one durable pull consumer per stream it reads.
 */
@Injectable()
export class JetStreamServer extends Server implements CustomTransportStrategy {
  override readonly transportId = JETSTREAM_TRANSPORT;
  private readonly subscriptions: ConsumerMessages[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly nats: NatsConnectionProvider,
    private readonly provisioner: JetStreamProvisioner,
    private readonly dispatcher: EventDispatcher,
    private readonly modules: ModuleRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly failPoint?: ConsumerFailPoint,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      registerEventHandlers(this, this.dispatcher);
      await this.subscribe();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops pulling, lets the handlers in flight finish and ack, then returns. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.subscriptions.map((s) => s.close().catch(() => undefined)));
    await Promise.all([...this.inFlight]);
  }

  on(): void {
    throw new Error('JetStreamServer does not emit events');
  }

  unwrap<T>(): T {
    return this.nats as T;
  }

  private async subscribe(): Promise<void> {
    // The streams this process publishes to exist before its relays start, consumers or not.
    for (const module of this.modules.all()) await this.provisioner.ensureStream(module.name);
    for (const consumer of this.dispatcher.consumers()) {
      const byProducer = groupBy(this.dispatcher.typesOf(consumer), producerOf);
      for (const [producer, types] of byProducer) {
        const stream = await this.provisioner.ensureStream(producer);
        const durable = await this.provisioner.ensureConsumer(stream, producer, consumer, types);
        const js = (await this.nats.get()).jetstream();
        const messages = await (await js.consumers.get(stream, durable)).consume({
          max_messages: this.config.consumer.concurrency,
        });
        this.subscriptions.push(messages);
        void this.pump(consumer, messages).catch((error) => {
          this.logger.error(`${consumer} stopped consuming ${stream}: ${(error as Error).message}`);
        });
      }
    }
  }

  /** At most CONSUMER_CONCURRENCY messages in flight: the next is read only when a slot is free. */
  private async pump(consumer: string, messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.closing) {
        settle(() => msg.nak());
        continue;
      }
      while (this.inFlight.size >= this.config.consumer.concurrency) await Promise.race(this.inFlight);
      const work: Promise<void> = this.process(consumer, msg)
        .catch((error) => this.logger.error(`${consumer} failed on ${msg.subject}: ${(error as Error).message}`))
        .finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    }
  }

  private async process(consumer: string, msg: JsMsg): Promise<void> {
    const type = this.provisioner.names.typeOf(msg.subject);
    let outcome: DispatchOutcome;
    try {
      outcome = await this.dispatcher.dispatch(consumer, type, msg.string(), msg.info.deliveryCount);
    } catch (error) {
      // The dispatcher could not even record a failure (database away): try again later.
      this.logger.error(`${consumer} could not dispatch ${msg.subject}: ${(error as Error).message}`);
      settle(() => msg.nak(this.config.consumer.backoffMaxMs));
      return;
    }
    if (this.failPoint?.beforeAck(consumer, msg, outcome)) return;
    settle(() => (outcome.kind === 'retry' ? msg.nak(outcome.delayMs) : msg.ack()));
  }
}

/** An ack or nak on a closing connection throws; the message is redelivered, which the inbox absorbs. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    /* connection closing: JetStream redelivers after ack_wait */
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
