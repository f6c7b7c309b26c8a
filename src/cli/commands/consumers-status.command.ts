import { Optional } from '@nestjs/common';
import { Command, CommandRunner, SubCommand } from 'nest-commander';
import { BUSINESS_MODULES } from '../../config/app-config';
import { NatsConnectionProvider } from '../../platform/messaging/nats-connection';
import { JetStreamProvisioner } from '../../platform/messaging/jetstream-provisioner';
import { CliOutput } from '../cli-output';
import { jetStream } from '../jetstream-access';
import { OperatorAccess } from '../operator-access';
import { JsonOption, OperatorCommand } from '../operator-command';

@SubCommand({ name: 'status', description: 'every durable consumer of the shop\'s streams: pending, ack pending, redelivered' })
export class ConsumersStatusCommand extends OperatorCommand {
  constructor(
    access: OperatorAccess,
    out: CliOutput,
    @Optional() private readonly nats?: NatsConnectionProvider,
    @Optional() private readonly provisioner?: JetStreamProvisioner,
  ) {
    super(access, out);
  }

  protected async execute(_: string[], { json }: JsonOption): Promise<void> {
    const { jsm, names } = await jetStream(this.nats, this.provisioner);
    const rows = [];
    // Every module's stream, not only this process's: a consumer may live in another service.
    for (const module of BUSINESS_MODULES) {
      const stream = names.stream(module);
      const info = await jsm.streams.info(stream).catch(() => undefined);
      if (!info) continue;
      for await (const consumer of jsm.consumers.list(stream)) {
        if (!consumer.config.durable_name) continue;
        rows.push({
          stream,
          durable: consumer.name,
          filter: consumer.config.filter_subject ?? null,
          pending: consumer.num_pending,
          ackPending: consumer.num_ack_pending,
          redelivered: consumer.num_redelivered,
          waiting: consumer.num_waiting,
          deliveredSeq: consumer.delivered.stream_seq,
          ackFloorSeq: consumer.ack_floor.stream_seq,
          streamLastSeq: info.state.last_seq,
        });
      }
    }
    rows.sort((a, b) => a.stream.localeCompare(b.stream) || a.durable.localeCompare(b.durable));
    if (json) return this.out.json(rows);
    this.out.table(
      ['STREAM', 'DURABLE', 'PENDING', 'ACK PENDING', 'REDELIVERED', 'ACK FLOOR', 'LAST SEQ'],
      rows.map((r) => [r.stream, r.durable, r.pending, r.ackPending, r.redelivered, r.ackFloorSeq, r.streamLastSeq]),
      'no durable consumers (no module has consumed yet)',
    );
  }
}

@Command({ name: 'consumers', description: 'the JetStream durable consumers', subCommands: [ConsumersStatusCommand] })
export class ConsumersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}
