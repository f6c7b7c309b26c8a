import { EventContract } from './event-contract';

export const REDACTED = '[redacted]';

export interface RedactOptions {
  /** Show personal fields (the admin credential's full scope); secrets are never shown. */
  revealPersonal?: boolean;
}

/**
 * Hides the sensitive fields every contract declares, by name, anywhere in a value: a parked
 * event may be invalid or of an unknown version, so its shape cannot be trusted to find them.
 */
export class Redactor {
  private readonly secret: ReadonlySet<string>;
  private readonly personal: ReadonlySet<string>;

  constructor(contracts: readonly EventContract[]) {
    this.secret = new Set(contracts.flatMap((c) => c.sensitive.secret));
    this.personal = new Set(contracts.flatMap((c) => c.sensitive.personal));
  }

  /** Secrets are dropped (the key goes too), personal fields replaced by REDACTED unless revealed. */
  redact<T>(value: T, options: RedactOptions = {}): T {
    return this.walk(value, options, 0) as T;
  }

  /** The same for text that is not JSON (a raw parked delivery): `"key": value` pairs, the value quoted or not. */
  redactText(text: string, options: RedactOptions = {}): string {
    let out = text;
    for (const key of this.secret) out = out.replace(pairPattern(key), `"${key}":"${REDACTED}"`);
    if (!options.revealPersonal) for (const key of this.personal) out = out.replace(pairPattern(key), `"${key}":"${REDACTED}"`);
    return out;
  }

  private walk(value: unknown, options: RedactOptions, depth: number): unknown {
    if (typeof value !== 'object' || value === null) return value;
    // Deeper than any contract goes: hostile nesting, not read any further (it could hide a secret).
    if (depth > 64) return REDACTED;
    if (Array.isArray(value)) return value.map((v) => this.walk(v, options, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (this.secret.has(key)) continue;
      out[key] = this.personal.has(key) && !options.revealPersonal ? REDACTED : this.walk(v, options, depth + 1);
    }
    return out;
  }
}

/** `"key": "value"`, or the value unquoted (a broken producer's text): up to the next separator. */
const pairPattern = (key: string) => new RegExp(`"${key}"\\s*:\\s*(?:"(?:[^"\\\\]|\\\\.)*"|[^,}\\]\\s]*)`, 'g');
