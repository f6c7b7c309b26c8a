import { EventContract, producerOf } from '../../contracts/event-contract';
import { ListenerBinding } from './listener-bindings';

/** One event type as the documents show it: who writes it, who reads it, in which versions. */
export interface EventEntry {
  type: string;
  producer: string;
  /** Oldest first; producers publish the last one. */
  versions: EventContract[];
  consumers: string[];
  description: string;
}

/** The registry joined with the listeners: every contract, sorted by producer then type. */
export function eventMap(contracts: readonly EventContract[], bindings: readonly ListenerBinding[]): EventEntry[] {
  const types = [...new Set(contracts.map((c) => c.type))].sort();
  return types.map((type) => {
    const versions = contracts.filter((c) => c.type === type).sort((a, b) => a.version - b.version);
    const described = [...versions].reverse().find((c) => c.description);
    return {
      type,
      producer: producerOf(type),
      versions,
      consumers: [...new Set(bindings.filter((b) => b.type === type).map((b) => b.consumer))].sort(),
      description: described?.description ?? '',
    };
  });
}
