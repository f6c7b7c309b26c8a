import { z } from 'zod';
import { EventContract, contractKey } from './event-contract';
import { EventEnvelope, eventEnvelopeSchema } from './event-envelope';

export type ContractCheck =
  | { ok: true; envelope: EventEnvelope }
  | { ok: false; error: string; envelope?: unknown };

/** Validates incoming events against the envelope schema and the payload schema of their contract. */
export class ContractRegistry {
  private readonly contracts = new Map<string, EventContract>();

  constructor(contracts: readonly EventContract[] = []) {
    contracts.forEach((c) => this.register(c));
  }

  register(contract: EventContract): this {
    this.contracts.set(contractKey(contract.type, contract.version), contract);
    return this;
  }

  /** True when some version of the type has a contract. */
  knows(type: string): boolean {
    return [...this.contracts.values()].some((c) => c.type === type);
  }

  check(raw: unknown): ContractCheck {
    const envelope = eventEnvelopeSchema.safeParse(raw);
    if (!envelope.success) return { ok: false, error: `invalid envelope: ${flat(envelope.error)}`, envelope: raw };
    const { type, version } = envelope.data;
    const contract = this.contracts.get(contractKey(type, version));
    if (!contract) return { ok: false, error: `no contract for ${contractKey(type, version)}`, envelope: raw };
    const payload = contract.payload.safeParse(envelope.data.payload);
    if (!payload.success) {
      return { ok: false, error: `payload breaks ${contractKey(type, version)}: ${flat(payload.error)}`, envelope: raw };
    }
    return { ok: true, envelope: { ...envelope.data, payload: payload.data } as EventEnvelope };
  }
}

const flat = (error: z.ZodError) => z.prettifyError(error).replace(/\n/g, ' ');
