import { EventPattern } from '@nestjs/microservices';
import { EventContract } from '../../contracts/event-contract';

export interface ListenOptions {
  /** Only events of exactly this version, as they are (no upcast, no tolerant read); others skip this method. */
  onlyThisVersion?: boolean;
}

/**
 * A listener of one contract for one consuming module: the contract it names is the version it
 * reads. Older events of the type reach it upcast, newer ones read tolerantly, and one it cannot
 * read is a dead letter (EventDispatcher).
 */
export const Listens = (contract: EventContract, consumer: string, options: ListenOptions = {}) =>
  EventPattern(contract.type, { consumer, version: contract.version, ...options });
