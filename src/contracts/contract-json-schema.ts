import { z } from 'zod';
import { EventContract } from './event-contract';

/** A JSON Schema document, as z.toJSONSchema writes it. */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * The JSON Schema of a contract's payload as its readers see it: the *input* side of the zod
 * schema (what `parse` accepts, so a plain object stays open and a strict one closed), in
 * draft-07, the dialect AsyncAPI 3 schemas extend.
 */
export function contractJsonSchema(contract: EventContract): JsonSchema {
  return z.toJSONSchema(contract.payload, { io: 'input', target: 'draft-7' }) as JsonSchema;
}
