import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, ConsumerMessages, DeliverPolicy, JsMsg, nanos } from 'nats';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { backoffMs, sleep } from '../../backoff';
import { JetStreamProvisioner } from '../jetstream-provisioner';
import { NatsConnectionProvider } from '../nats-connection';
import { settle } from '../settle-batch';
import { EventTaps, StreamTap } from './event-taps';
import { TapBatcher } from './tap-batcher';

/** Unacked messages per tap and stream: the back pressure while a tap catches up on a long stream. */
const MAX_ACK_PENDING = 2_000;

/** A live tap waits this long for more events before it writes: a statement per event was a tenth of the shop's. */
const TAP_LINGER_MS = 25;

/**
 * Reads every stream a tap names through one durable consumer per stream (`<tap>-all`, the
 * whole stream as its filter: one filter subject, as nats-server 2.9 allows), delivering from
 * the beginning on its first start, so a tap added late reads what the streams still hold.
 */
@Injectable()
export class JetStreamTapReader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JetStreamTapReader.name);
  private readonly readers: Promise<void>[] = [];
  private readonly open = new Set<ConsumerMessages>();
  private closing = false;

  constructor(
    private readonly taps: EventTaps,
    private readonly nats: NatsConnectionProvider,
    private readonly provisioner: JetStreamProvisioner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const tap of this.taps.streamTaps()) {
      // One batcher for all the tap's streams: an order's events of four streams share a statement.
      const batcher = new TapBatcher(
        tap,
        (error, delayMs) => this.logger.warn(`${tap.name} could not record (${(error as Error).message}); again in ${delayMs} ms`),
        true,
        TAP_LINGER_MS,
      );
      const readers: Promise<void>[] = [];
      for (const producer of tap.producers) {
        const stream = await this.provisioner.ensureStream(producer);
        const durable = await this.ensureDurable(stream, tap.name, producer);
        readers.push(this.read(batcher, tap, stream, durable, producer));
      }
      this.readers.push(Promise.all(readers).then(() => batcher.idle()));
    }
  }

  /** Stops taking messages and waits for the batches in flight to be recorded and acked. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const messages of this.open) messages.stop();
    await Promise.all(this.readers);
  }

  private async ensureDurable(stream: string, tap: string, producer: string): Promise<string> {
    const jsm = await (await this.nats.get()).jetstreamManager();
    const durable = `${tap}-all`;
    try {
      await jsm.consumers.info(stream, durable);
    } catch {
      await jsm.consumers
        .add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: this.provisioner.names.streamSubjects(producer),
          ack_wait: nanos(this.config.consumer.ackWaitMs),
          max_ack_pending: MAX_ACK_PENDING,
        })
        .catch((error) => {
          // Another replica created it first.
          if (!/already (exists|in use)/i.test(String(error?.message))) throw error;
        });
      this.logger.log(`created consumer ${stream}/${durable}: reading ${stream} from its beginning`);
    }
    return durable;
  }

  private async read(batcher: TapBatcher, tap: StreamTap, stream: string, durable: string, producer: string): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      try {
        // After a failure the durable may be gone (deleted by hand, the stream recreated): made again, from the beginning.
        if (failures > 0) await this.ensureDurable(stream, tap.name, producer);
        const consumer = await (await this.nats.get()).jetstream().consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: 500, abort_on_missing_resource: true });
        this.open.add(messages);
        try {
          for await (const msg of messages) {
            batcher.add(this.tapped(stream, msg));
            failures = 0;
          }
        } finally {
          this.open.delete(messages);
        }
        // The iterator ended without a close (the consumer was deleted, say): take it up again.
        if (!this.closing) await sleep(backoffMs(++failures, 250, 5_000));
      } catch (error) {
        if (this.closing) break;
        const delay = backoffMs(++failures, 250, 5_000);
        this.logger.warn(`${tap.name} cannot read ${stream} (${(error as Error).message}); again in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  private tapped(stream: string, msg: JsMsg) {
    return {
      event: { raw: msg.string(), type: this.provisioner.names.typeOf(msg.subject), stream, seq: msg.seq },
      ack: () => settle(() => msg.ack()),
      retryLater: (delayMs: number) => settle(() => msg.nak(delayMs)),
    };
  }
}
