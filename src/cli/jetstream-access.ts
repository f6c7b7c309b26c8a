import { JetStreamManager } from 'nats';
import { JetStreamProvisioner } from '../platform/messaging/jetstream-provisioner';
import { MessagingNames } from '../platform/messaging/naming';
import { NatsConnectionProvider } from '../platform/messaging/nats-connection';

/** The JetStream side of the CLI: a clear refusal on the in-process transport (no NATS_URL). */
export async function jetStream(
  nats?: NatsConnectionProvider,
  provisioner?: JetStreamProvisioner,
): Promise<{ jsm: JetStreamManager; names: MessagingNames; nats: NatsConnectionProvider }> {
  if (!nats || !provisioner) throw new Error('NATS_URL is not set: the shop runs the in-process transport, which has no streams or durable consumers');
  return { jsm: await (await nats.get()).jetstreamManager(), names: provisioner.names, nats };
}
