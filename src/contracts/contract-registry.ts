import { z } from 'zod';
import { EventContract, contractKey } from './event-contract';
import { EventEnvelope, eventEnvelopeSchema } from './event-envelope';
import { withoutUnknownFields } from './tolerant-read';
import { Upcaster } from './upcaster';

export type ContractCheck =
  | { ok: true; envelope: EventEnvelope }
  | { ok: false; error: string; envelope?: unknown };

/**
 * Validates incoming events against the envelope schema and the payload schema of their contract,
 * and reads them as the version a consumer declares: older ones upcast step by step, newer ones
 * read tolerantly (unknown fields dropped) when the older shape still holds.
 */
export class ContractRegistry {
  private readonly contracts = new Map<string, EventContract>();
  private readonly upcasters = new Map<string, Upcaster>();
  /** The newest version of each type, kept as contracts register: the outbox asks on every append. */
  private readonly latest = new Map<string, number>();

  constructor(contracts: readonly EventContract[] = [], upcasters: readonly Upcaster[] = []) {
    contracts.forEach((c) => this.register(c));
    upcasters.forEach((u) => this.upcasters.set(contractKey(u.type, u.from), u));
  }

  register(contract: EventContract): this {
    this.contracts.set(contractKey(contract.type, contract.version), contract);
    this.latest.set(contract.type, Math.max(contract.version, this.latest.get(contract.type) ?? 0));
    return this;
  }

  has(type: string, version: number): boolean {
    return this.contracts.has(contractKey(type, version));
  }

  /** The newest registered version of a type: what its producers write. */
  latestVersion(type: string): number | undefined {
    return this.latest.get(type);
  }

  /**
   * `secretsDropped`: the event comes back from a dead-letter table, where its secrets were
   * dropped when it was parked; they may be missing (a listener that needs one says so itself).
   */
  check(raw: unknown, { secretsDropped = false } = {}): ContractCheck {
    const envelope = eventEnvelopeSchema.safeParse(raw);
    if (!envelope.success) return { ok: false, error: `invalid envelope: ${flat(envelope.error)}`, envelope: raw };
    const { type, version } = envelope.data;
    const contract = this.contracts.get(contractKey(type, version));
    if (!contract) return { ok: false, error: `no contract for ${contractKey(type, version)}`, envelope: raw };
    const schema = secretsDropped ? withOptionalSecrets(contract) : contract.payload;
    const payload = schema.safeParse(envelope.data.payload);
    if (!payload.success) {
      return { ok: false, error: `payload breaks ${contractKey(type, version)}: ${flat(payload.error)}`, envelope: raw };
    }
    return { ok: true, envelope: { ...envelope.data, payload: payload.data } as EventEnvelope };
  }

  /** A checked envelope as version `version` of its type, or why it cannot be read so. */
  readAs(envelope: EventEnvelope, version: number): ContractCheck {
    const { type } = envelope;
    const target = this.contracts.get(contractKey(type, version));
    if (!target) return { ok: false, error: `no contract for ${contractKey(type, version)}`, envelope };
    if (envelope.version === version) return { ok: true, envelope };
    const unreadable = (why: string): ContractCheck => ({
      ok: false,
      error: `a reader of ${contractKey(type, version)} cannot read ${contractKey(type, envelope.version)}: ${why}`,
      envelope,
    });
    let payload = envelope.payload;
    if (envelope.version < version) {
      for (let from = envelope.version; from < version; from++) {
        const step = this.upcasters.get(contractKey(type, from));
        if (!step) return unreadable(`no upcaster from v${from}`);
        // A copy: the checked event is shared by every listener of the delivery.
        try {
          payload = step.upcast(structuredClone(payload));
        } catch (error) {
          return unreadable(`the upcaster from v${from} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    } else {
      // A newer version: what the reader knows must still be there; fields it does not know are dropped, at any depth.
      payload = withoutUnknownFields(target.payload, payload);
    }
    const read = target.payload.safeParse(payload);
    if (!read.success) return unreadable(flat(read.error));
    return { ok: true, envelope: { ...envelope, version, payload: read.data } };
  }
}

function withOptionalSecrets(contract: EventContract): z.ZodType {
  const { payload, sensitive } = contract;
  if (!(payload instanceof z.ZodObject) || sensitive.secret.length === 0) return payload;
  return payload.partial(Object.fromEntries(sensitive.secret.map((field) => [field, true])) as Record<string, true>);
}

const flat = (error: z.ZodError) => z.prettifyError(error).replace(/\n/g, ' ');
