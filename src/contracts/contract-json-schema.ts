import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EventContract } from './event-contract';

/** A JSON Schema document, as z.toJSONSchema writes it. */
export type JsonSchema = { [keyword: string]: unknown };

/** Rules zod keeps out of JSON Schema (refine, pipe, transform), fingerprinted: see `unseenRules`. */
export const UNSEEN_RULES = 'x-zod-unseen-rules';

/**
 * The JSON Schema of a contract's payload as its readers see it: the *input* side of the zod
 * schema (what `parse` accepts, so a plain object stays open and a strict one closed), in
 * draft-07, the dialect AsyncAPI 3 schemas extend.
 */
export function contractJsonSchema(contract: EventContract): JsonSchema {
  return z.toJSONSchema(contract.payload, { io: 'input', target: 'draft-7', override: unseenRules }) as JsonSchema;
}

/**
 * zod leaves refinements, pipes and transforms out of JSON Schema, yet each can refuse a value.
 * A fingerprint of their code keeps them in the snapshot, so the gate sees one added, removed
 * or edited (a keyword it does not understand must stay unchanged) instead of nothing.
 */
function unseenRules(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const def = (ctx.zodSchema as { _zod: { def: ZodDef } })._zod.def;
  const sources = (def.checks ?? []).filter((c) => c._zod.def.check === 'custom').map((c) => `refine:${String(c._zod.def.fn)}`);
  if (def.type === 'pipe' && def.out) sources.push(`pipe:${pipeTarget(def.out)}`);
  if (sources.length) ctx.jsonSchema[UNSEEN_RULES] = sources.map((s) => createHash('sha256').update(s).digest('hex').slice(0, 16));
}

interface ZodDef {
  type: string;
  checks?: { _zod: { def: { check: string; fn?: unknown } } }[];
  out?: z.ZodType;
  transform?: unknown;
}

/** What a pipe hands its value to: a transform's code, or the schema's own output rules. */
function pipeTarget(out: z.ZodType): string {
  const def = (out as unknown as { _zod: { def: ZodDef } })._zod.def;
  if (def.type === 'transform') return String(def.transform);
  return JSON.stringify(z.toJSONSchema(out, { io: 'output', target: 'draft-7', unrepresentable: 'any', override: unseenRules }));
}
