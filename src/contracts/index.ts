import { EventContract } from './event-contract';

export * from './event-contract';
export * from './event-envelope';
export * from './contract-registry';

/** Every contract of the shop, registered with the consumers' validator. */
export const ALL_CONTRACTS: readonly EventContract[] = [];
