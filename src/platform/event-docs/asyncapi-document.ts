import { contractJsonSchema, JsonSchema } from '../../contracts/contract-json-schema';
import { EventContract } from '../../contracts/event-contract';
import { eventEnvelopeSchema } from '../../contracts/event-envelope';
import { z } from 'zod';
import { EventEntry } from './event-map';

/** Where an event travels: the subject of its type, the stream of its producer (ARCHITECTURE §3). */
export interface EventAddresses {
  subject(type: string): string;
  stream(module: string): string;
  durable(consumer: string, type: string): string;
}

export type AsyncApiDocument = { asyncapi: '3.0.0'; [field: string]: unknown };

/**
 * AsyncAPI 3.0 of the whole system, whatever modules this process runs: a channel per subject,
 * a message per contract version (the wire envelope, its payload the contract's JSON Schema), a
 * `send` operation of the producer (the latest version) and a `receive` per consuming module (every
 * version still readable).
 */
export function asyncApiDocument(entries: readonly EventEntry[], addresses: EventAddresses): AsyncApiDocument {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const entry of entries) {
    const channel = idOf(entry.type);
    const name = entry.type.slice(entry.type.indexOf('.') + 1);
    const stream = addresses.stream(entry.producer);
    const ref = (c: EventContract) => ({ $ref: `#/channels/${channel}/messages/v${c.version}` });
    const latest = entry.versions[entry.versions.length - 1];
    entry.versions.forEach((c) => (messages[`${channel}_v${c.version}`] = message(entry, c)));
    channels[channel] = {
      address: addresses.subject(entry.type),
      title: entry.type,
      description: `${entry.description} Stream ${stream} (${entry.producer}); versions ${entry.versions.map((c) => c.version).join(', ')}.`.trim(),
      messages: Object.fromEntries(entry.versions.map((c) => [`v${c.version}`, { $ref: `#/components/messages/${channel}_v${c.version}` }])),
      'x-stream': stream,
    };
    operations[`${entry.producer}_send_${name}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${channel}` },
      messages: [ref(latest)],
      summary: `${entry.producer} publishes ${entry.type} v${latest.version} from its outbox`,
      tags: [{ name: entry.producer }],
    };
    for (const consumer of entry.consumers) {
      operations[`${consumer}_receive_${name}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${channel}` },
        messages: entry.versions.map(ref),
        summary: `${consumer} reads ${entry.type} through the durable ${addresses.durable(consumer, entry.type)} on ${stream}`,
        tags: [{ name: consumer }],
      };
    }
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Shop events',
      version: '1.0.0',
      description: 'The domain events the modules exchange over NATS JetStream, generated from the contract registry and the listeners.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}

function message(entry: EventEntry, contract: EventContract) {
  return {
    name: entry.type,
    title: `${entry.type} v${contract.version}`,
    summary: entry.description || undefined,
    contentType: 'application/json',
    headers: HEADERS,
    correlationId: { location: '$message.payload#/correlationId' },
    payload: envelopeOf(contract),
    'x-contract-version': contract.version,
  };
}

/** The wire shape: the envelope with this contract's type, version and payload schema. */
function envelopeOf(contract: EventContract): JsonSchema {
  const { $schema: _, ...envelope } = z.toJSONSchema(eventEnvelopeSchema, { io: 'input', target: 'draft-7' }) as JsonSchema;
  const { $schema: __, ...payload } = contractJsonSchema(contract);
  const properties = envelope.properties as Record<string, JsonSchema>;
  return {
    ...envelope,
    properties: { ...properties, type: { type: 'string', const: contract.type }, version: { type: 'integer', const: contract.version }, payload },
    required: [...new Set([...((envelope.required as string[]) ?? []), 'payload'])],
  };
}

const HEADERS = {
  type: 'object',
  properties: {
    'Nats-Msg-Id': { type: 'string', description: 'the event id: the broker drops a repeat within the duplicate window' },
    'Event-Type': { type: 'string' },
    traceparent: { type: 'string', description: 'W3C trace context, when tracing is on' },
  },
};

const idOf = (type: string) => type.replace(/[^A-Za-z0-9]/g, '_');
