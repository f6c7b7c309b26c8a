import { z } from 'zod';
import { defineContract } from '../../../src/contracts/event-contract';

/** Test-only events of the probe module, which exercises the platform without business rules. */
export const ThingHappenedV1 = defineContract('probe.ThingHappened', 1, z.object({ n: z.number().int() }).strict());
export const AlwaysFailsV1 = defineContract('probe.AlwaysFails', 1, z.object({ n: z.number().int() }).strict());
export const FailsUntilFixedV1 = defineContract('probe.FailsUntilFixed', 1, z.object({ n: z.number().int() }).strict());
export const PROBE_CONTRACTS = [ThingHappenedV1, AlwaysFailsV1, FailsUntilFixedV1];
