import { EventContract } from './event-contract';

/** A pure function from one version's payload to the next one's, kept beside the contracts. */
export interface Upcaster {
  readonly type: string;
  /** Reads payloads of this version; writes `from + 1`. */
  readonly from: number;
  readonly upcast: (payload: any) => unknown;
}

export function defineUpcaster<TType extends string, A, B>(
  from: EventContract<TType, A>,
  to: EventContract<TType, B>,
  upcast: (payload: A) => B,
): Upcaster {
  if (from.type !== to.type || to.version !== from.version + 1) {
    throw new Error(`an upcaster goes from one version to the next of one type, not ${from.type}@v${from.version} → ${to.type}@v${to.version}`);
  }
  return { type: from.type, from: from.version, upcast };
}
