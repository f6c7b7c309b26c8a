import { LoggerService } from '@nestjs/common';
import { Redactor } from '../../contracts/redaction';
import { DeadLetters } from '../inbox/dead-letters';
import { DispatchOutcome } from './dispatch-outcome';

export interface Parked {
  consumer: string;
  type: string;
  envelope?: unknown;
  raw?: string;
  eventId?: string;
  error: string;
  attempts: number;
}

const NUL = String.fromCharCode(0);
const stripNul = (text: string) => text.split(NUL).join('\\0').split('\\u0000').join('\\0');

/**
 * Moves a delivery to the module's dead-letter table, where an operator can inspect and retry it.
 * Secrets (a v1 OrderPlaced's card token) are dropped first, from the error text too: a dead-letter
 * table keeps no credential.
 */
export async function parkDelivery(deadLetters: DeadLetters, redactor: Redactor, logger: LoggerService, parked: Parked): Promise<DispatchOutcome> {
  const d = {
    ...parked,
    envelope: redactor.redact(parked.envelope, { revealPersonal: true }),
    raw: parked.raw === undefined ? undefined : redactor.redactText(parked.raw, { revealPersonal: true }),
    // An error may quote what it read (an upcaster, a handler): it is logged and stored as well.
    error: redactor.redactText(parked.error, { revealPersonal: true }),
  };
  const eventId = d.eventId ?? idOf(d.envelope);
  try {
    await deadLetters.parkDelivery({ ...d, eventId });
  } catch (refused) {
    // Postgres refuses some text (a NUL byte): keep it escaped rather than retry the poison forever.
    if (!['22P05', '22021'].includes((refused as { code?: string }).code ?? '')) throw refused;
    const raw = stripNul(d.raw ?? JSON.stringify(d.envelope));
    await deadLetters.parkDelivery({ consumer: d.consumer, raw, type: d.type.split(NUL).join(''), error: stripNul(d.error), attempts: d.attempts });
  }
  logger.error(`${d.consumer} dead-lettered ${d.type} ${eventId ?? '(no id)'}: ${d.error}`);
  return { kind: 'dead-lettered', error: d.error };
}

const idOf = (envelope: unknown) =>
  typeof envelope === 'object' && envelope !== null && typeof (envelope as { id?: unknown }).id === 'string'
    ? (envelope as { id: string }).id
    : undefined;
