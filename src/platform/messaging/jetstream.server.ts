import { Inject, Injectable, Optional } from '@nestjs/common';
import { CustomTransportStrategy } from '@nestjs/microservices';
import { JsMsg, NatsConnection } from 'nats';
import { producerOf } from '../../contracts/event-contract';
import { backoffMs, sleep } from '../backoff';
import { withHeaderContext } from '../observability/tracing/messaging-spans';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { ConsumerFailPoint } from './consumer-fail-point';
import { ConsumerServer } from './consumer-server';
import { ConsumerSlots } from './consumer-slots';
import { DispatchOutcome, EventDispatcher } from './event-dispatcher';
import { JetStreamProvisioner } from './jetstream-provisioner';
import { ModuleRegistry } from './module-registry';
import { GroupedDeliveries } from './grouped-deliveries';
import { settle, SettleBatch } from './settle-batch';
import { NatsConnectionProvider } from './nats-connection';
import { PullRequests } from './pull-requests';

export const JETSTREAM_TRANSPORT = Symbol('JETSTREAM_TRANSPORT');

/** How long an idle pull request waits for messages: also the longest a close waits for a pump. */
const PULL_EXPIRES_MS = 1_000;
/**
 * Acks (and naks) of this long go out in one socket write: each delivery ends in its own COMMIT's
 * answer, so acks settled turn by turn were 4.7 of the process's 9.2 NATS writes per order at 50
 * orders/s, the most of any kind (1.6 of 7.1 lingering 20 ms; strace). An ack is on no order's path
 * (the next event was published by the producer's relay), and a crash before it is sent only
 * redelivers a delivery its inbox already holds. While the connection is down they wait for it.
 */
export const ACK_LINGER_MS = 20;

/**
 * A custom transport of @nestjs/microservices: listeners are `@EventPattern(type, { consumer })`
 * methods. Each (consuming module, event type) has its own durable pull consumer filtered to that
 * one subject, so a process only ever receives the types it handles: a replica of an older
 * version never sees (and never acks) a type that only newer replicas handle.
 */
@Injectable()
export class JetStreamServer extends ConsumerServer implements CustomTransportStrategy {
  override readonly transportId = JETSTREAM_TRANSPORT;
  private readonly pumps: Promise<void>[] = [];
  private readonly pulls: PullRequests[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** False between a disconnect and the reconnect: queued acks wait (SettleBatch), unless closing. */
  private connected = true;
  /** Acks and naks on their way: a close waits for them (`flushed`), a delivery's slot does not. */
  private readonly settles = new SettleBatch(ACK_LINGER_MS, () => this.connected || this.closing);
  private closing = false;

  constructor(
    private readonly nats: NatsConnectionProvider,
    private readonly provisioner: JetStreamProvisioner,
    private readonly dispatcher: EventDispatcher,
    private readonly modules: ModuleRegistry,
    private readonly slots: ConsumerSlots,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly failPoint?: ConsumerFailPoint,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.registerListeners(this.dispatcher);
      await this.subscribe();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /**
   * Stops pulling (each pump finishes the pull request it has open, at most PULL_EXPIRES_MS),
   * lets the handlers in flight finish and ack, then returns. Nothing pulled is dropped, so a
   * rolling restart causes no redelivery after ack_wait.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.pumps);
    this.pulls.forEach((pulls) => pulls.close());
    await Promise.all([...this.inFlight]);
    await this.settles.flushed();
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
    const nc = await this.nats.get();
    void this.followConnection(nc);
    for (const consumer of this.dispatcher.consumers()) {
      for (const type of this.dispatcher.typesOf(consumer)) {
        const stream = await this.provisioner.ensureStream(producerOf(type));
        const durable = await this.provisioner.ensureConsumer(stream, consumer, type);
        // The publish span, named in the headers, is the parent of the consumer's.
        const enter = <R>(msg: JsMsg, work: () => Promise<R>) => withHeaderContext(msg.headers?.get('traceparent'), work);
        const groups = new GroupedDeliveries<JsMsg>(this.slots, consumer, this.config.consumer.groupMax, {
          alone: (msg) => enter(msg, () => this.dispatcher.dispatch(consumer, type, msg.string(), msg.info.deliveryCount)),
          together: (msgs) =>
            this.dispatcher.dispatchGroup(consumer, type, msgs.map((msg) => ({ raw: msg.string(), delivery: msg.info.deliveryCount, enter: (work) => enter(msg, work) }))),
        });
        const pulls = new PullRequests(nc, stream, durable, (msg) => void this.run(consumer, msg, groups));
        this.pulls.push(pulls);
        this.pumps.push(this.pump(consumer, stream, pulls, groups));
      }
    }
  }

  /**
   * Each durable pulls at most as many messages as its module has slots; a pulled message runs
   * when a slot (a pooled connection) is free, kept alive meanwhile, so a busy type never
   * starves the module's other types and the pool is never asked for more than it holds.
   */
  private async pump(consumer: string, stream: string, pulls: PullRequests, groups: GroupedDeliveries<JsMsg>): Promise<void> {
    const mine = new Set<Promise<void>>();
    let failures = 0;
    while (!this.closing) {
      const free = this.slots.limit - mine.size;
      if (free <= 0) {
        await Promise.race(mine);
        continue;
      }
      try {
        for await (const msg of pulls.pull(free, PULL_EXPIRES_MS)) {
          const work = this.run(consumer, msg, groups);
          mine.add(work);
          void work.finally(() => mine.delete(work));
        }
        failures = 0;
      } catch (error) {
        // Broker away or restarting: pull again after a backoff; nothing was taken.
        const delay = backoffMs(++failures, 250, 5_000);
        this.logger.warn(`${consumer} cannot pull from ${stream} (${(error as Error).message}); again in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  /** Runs one pulled message; settles with nothing (its failures are logged). */
  private run(consumer: string, msg: JsMsg, groups: GroupedDeliveries<JsMsg>): Promise<void> {
    const work: Promise<void> = this.process(consumer, msg, groups)
      .catch((error) => this.logger.error(`${consumer} failed on ${msg.subject}: ${(error as Error).message}`))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
    return work;
  }

  private async process(consumer: string, msg: JsMsg, groups: GroupedDeliveries<JsMsg>): Promise<void> {
    // A long handler keeps its message: JetStream would redeliver it after ack_wait otherwise.
    const heartbeat = setInterval(() => settle(() => msg.working()), Math.max(100, this.config.consumer.ackWaitMs / 3));
    let outcome: DispatchOutcome;
    try {
      // In a slot of the module, with the deliveries of this durable waiting beside it (GroupedDeliveries).
      outcome = await groups.submit(msg);
    } catch (error) {
      // The dispatcher could not even record a failure (database away): try again later.
      this.logger.error(`${consumer} could not dispatch ${msg.subject}: ${(error as Error).message}`);
      return this.settle(() => msg.nak(backoffMs(msg.info.deliveryCount, this.config.consumer.backoffBaseMs, this.config.consumer.backoffMaxMs)));
    } finally {
      clearInterval(heartbeat);
    }
    if (this.failPoint?.beforeAck(consumer, msg, outcome)) return;
    this.settle(() => (outcome.kind === 'retry' ? msg.nak(outcome.delayMs) : msg.ack()));
  }

  private async followConnection(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.connected = false;
      else if (status.type === 'reconnect') this.connected = true;
    }
    // Closed for good: nothing to wait for (an ack then fails, and JetStream redelivers after ack_wait).
    this.connected = true;
  }

  /** Queues an ack or nak (ACK_LINGER_MS); the delivery's slot is free at once, its durable pulls again meanwhile. */
  private settle(action: () => void): void {
    void this.settles.add(action);
  }
}
