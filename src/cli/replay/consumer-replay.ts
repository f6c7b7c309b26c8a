import { Injectable, Optional } from '@nestjs/common';
import { AckPolicy, ConsumerConfig, DeliverPolicy, JsMsg, millis, nanos } from 'nats';
import { producerOf } from '../../contracts/event-contract';
import { EventDispatcher } from '../../platform/messaging/event-dispatcher';
import { JetStreamProvisioner } from '../../platform/messaging/jetstream-provisioner';
import { ModuleRegistry } from '../../platform/messaging/module-registry';
import { scrubLogText } from '../../platform/observability/log-scrubber';
import { NatsConnectionProvider } from '../../platform/messaging/nats-connection';
import { UsageError } from '../cli-output';
import { jetStream } from '../jetstream-access';
import { RangePoint } from '../range-point';

export interface ReplayTally {
  stream: string;
  type: string;
  delivered: number;
  applied: number;
  duplicates: number;
  failed: number;
  parked: number;
  /** Events of the range whose delivery to this consumer waits in its dead letters: not delivered again (`dead-letters retry`). */
  alreadyParked: number;
  firstSeq: number | null;
  lastSeq: number | null;
  errors: string[];
}

const FETCH = { max_messages: 256, expires: 2_000 };
/** The temporary consumer vanishes on its own if the CLI dies mid-replay. */
const INACTIVE_THRESHOLD_MS = 60_000;

/**
 * Re-delivers a range of a stream to one consuming module, and to it only: a temporary
 * (ephemeral, unacknowledged, in-memory) JetStream consumer per event type the module handles
 * reads from the start point, and each message goes through the module's own dispatch (contract
 * check, inbox, handlers) as a first delivery would. The inbox makes what the module already
 * applied a no-op; the durable consumers, and every other module, see nothing. The range ends at
 * `until`, or at the stream's last message when the replay began (later ones are live traffic).
 */
@Injectable()
export class ConsumerReplay {
  constructor(
    private readonly dispatcher: EventDispatcher,
    private readonly modules: ModuleRegistry,
    @Optional() private readonly nats?: NatsConnectionProvider,
    @Optional() private readonly provisioner?: JetStreamProvisioner,
  ) {}

  async replay(consumer: string, since: RangePoint, until?: RangePoint, type?: string): Promise<ReplayTally[]> {
    const handled = this.dispatcher.typesOf(consumer);
    if (handled.length === 0) {
      throw new UsageError(`--consumer ${JSON.stringify(consumer)}: no module here consumes under that name (${this.dispatcher.consumers().join(', ')})`);
    }
    if (type !== undefined && !handled.includes(type)) throw new UsageError(`--type ${JSON.stringify(type)}: ${consumer} handles ${handled.join(', ')}`);
    const types = type === undefined ? handled : [type];
    const { jsm, names, nats } = await jetStream(this.nats, this.provisioner);
    // A sequence number belongs to one stream.
    const streams = new Set(types.map((t) => names.stream(producerOf(t))));
    if (('seq' in since || (until && 'seq' in until)) && streams.size > 1) {
      throw new UsageError(`a stream sequence names a position in one stream, and ${consumer} reads ${[...streams].join(', ')}: add --type, or give a time`);
    }
    const js = (await nats.get()).jetstream();
    // Parking an event again at each replay would only pile up copies of the same dead letter.
    const parked = await this.modules.get(consumer).deadLetters.openEventIds(consumer);
    const tallies: ReplayTally[] = [];
    for (const t of types) {
      const stream = names.stream(producerOf(t));
      const info = await jsm.streams.info(stream).catch(() => undefined);
      if (!info) throw new Error(`stream ${stream} does not exist: nothing was published yet (or another MESSAGING_NAMESPACE)`);
      const lastSeq = info.state.last_seq;
      const start: Partial<ConsumerConfig> =
        'seq' in since
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: since.seq }
          : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.time.toISOString() };
      const temporary = await jsm.consumers.add(stream, {
        ...start,
        ack_policy: AckPolicy.None,
        filter_subject: names.subject(t),
        inactive_threshold: nanos(INACTIVE_THRESHOLD_MS),
        mem_storage: true,
      });
      const tally: ReplayTally = { stream, type: t, delivered: 0, applied: 0, duplicates: 0, failed: 0, parked: 0, alreadyParked: 0, firstSeq: null, lastSeq: null, errors: [] };
      try {
        if (temporary.num_pending > 0 && lastSeq > 0) await this.drain(await js.consumers.get(stream, temporary.name), { consumer, type: t, parked }, { lastSeq, until }, tally);
      } finally {
        await jsm.consumers.delete(stream, temporary.name).catch(() => undefined);
      }
      tallies.push(tally);
    }
    return tallies;
  }

  private async drain(
    reader: { fetch(opts: typeof FETCH): Promise<AsyncIterable<JsMsg>> },
    to: Recipient,
    end: { lastSeq: number; until?: RangePoint },
    tally: ReplayTally,
  ): Promise<void> {
    for (;;) {
      let seen = 0;
      for await (const msg of await reader.fetch(FETCH)) {
        seen++;
        if (pastEnd(msg, end)) return;
        await this.deliver(to, msg, tally);
        // The last message of the range that existed when it was delivered.
        if (msg.info.pending === 0) return;
      }
      if (seen === 0) return;
    }
  }

  private async deliver({ consumer, type, parked }: Recipient, msg: JsMsg, tally: ReplayTally): Promise<void> {
    tally.firstSeq ??= msg.seq;
    tally.lastSeq = msg.seq;
    // The relay publishes with Nats-Msg-Id = the event's id.
    const eventId = msg.headers?.get('Nats-Msg-Id');
    if (eventId && parked.has(eventId)) {
      tally.alreadyParked++;
      return;
    }
    tally.delivered++;
    const outcome = await this.dispatcher.dispatch(consumer, type, msg.string(), 1);
    if (outcome.kind === 'ack') {
      if (outcome.duplicate) tally.duplicates++;
      else tally.applied++;
      return;
    }
    if (outcome.kind === 'dead-lettered') tally.parked++;
    else tally.failed++;
    // Printed (stdout with --json): a handler's error may quote an address (an SMTP refusal).
    if (tally.errors.length < 5) tally.errors.push(`seq ${msg.seq}: ${scrubLogText(outcome.error)}`);
  }
}

interface Recipient {
  consumer: string;
  type: string;
  /** Event ids with an open dead letter of this consumer. */
  parked: ReadonlySet<string>;
}

function pastEnd(msg: JsMsg, { lastSeq, until }: { lastSeq: number; until?: RangePoint }): boolean {
  if (msg.seq > lastSeq) return true;
  if (!until) return false;
  return 'seq' in until ? msg.seq > until.seq : millis(msg.info.timestampNanos) > until.time.getTime();
}
