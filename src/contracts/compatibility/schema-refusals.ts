import { JsonSchema } from '../contract-json-schema';

/** One rule by which a reader refuses some value a writer may send. */
export interface Refusal {
  path: string;
  /** What changed, written recorded → current whichever side reads. */
  change: string;
}

/** Which of the two schemas reads: the gate asks both ways round. */
export interface Sides {
  readerIsCurrent: boolean;
}

type Schema = JsonSchema | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'readOnly', 'writeOnly', 'deprecated']);
const HANDLED = new Set([
  'type', 'enum', 'const', 'anyOf', 'oneOf', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'items', 'minItems', 'maxItems', 'uniqueItems',
  'properties', 'required', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties',
]);

/**
 * The values `writer` allows and `reader` refuses, as the rules that refuse them. Conservative
 * over the JSON Schema subset zod writes: a keyword it cannot reason about must be unchanged.
 */
export function refusals(reader: Schema, writer: Schema, sides: Sides, path = 'payload'): Refusal[] {
  const fromTo = (readerValue: unknown, writerValue: unknown) =>
    sides.readerIsCurrent ? `${show(writerValue)} → ${show(readerValue)}` : `${show(readerValue)} → ${show(writerValue)}`;
  const refuse = (change: string): Refusal[] => [{ path, change }];

  if (reader === true || writer === false) return [];
  if (reader === false) return refuse('refuses everything');
  if (writer === true) writer = {};
  const writerBranches = (writer.anyOf ?? writer.oneOf) as Schema[] | undefined;
  if (writerBranches) return writerBranches.flatMap((branch) => refusals(reader, { ...strip(writer as JsonSchema), ...asObject(branch) }, sides, path));
  const readerBranches = (reader.anyOf ?? reader.oneOf) as Schema[] | undefined;
  if (readerBranches) {
    const tries = readerBranches.map((branch) => refusals({ ...strip(reader as JsonSchema), ...asObject(branch) }, writer, sides, path));
    return tries.find((t) => t.length === 0) ?? tries.sort((a, b) => a.length - b.length)[0] ?? [];
  }

  const out: Refusal[] = [];
  const readerTypes = types(reader);
  const writerTypes = types(writer);
  if (readerTypes && (!writerTypes || writerTypes.some((t) => !readerTypes.includes(t) && !(t === 'integer' && readerTypes.includes('number'))))) {
    out.push(...refuse(`type ${fromTo(readerTypes, writerTypes ?? 'any')}`));
    // Retyped outright: the rules of the old type say nothing more.
    if (writerTypes && !writerTypes.some((t) => readerTypes.includes(t) || (t === 'integer' && readerTypes.includes('number')))) return out;
  }
  const readerValues = values(reader);
  const writerValues = values(writer);
  if (readerValues && (!writerValues || writerValues.some((v) => !readerValues.some((r) => same(r, v))))) {
    out.push(...refuse(`allowed values ${fromTo(readerValues, writerValues ?? 'any')}`));
  }
  out.push(...bounds(reader, writer, fromTo, path));
  for (const key of ['pattern', 'format', 'propertyNames', 'multipleOf', 'uniqueItems'] as const) {
    if (reader[key] !== undefined && !same(reader[key], writer[key])) out.push(...refuse(`${key} ${fromTo(reader[key], writer[key] ?? 'none')}`));
  }
  if (reader.items !== undefined || writer.items !== undefined) {
    out.push(...refusals((reader.items as Schema) ?? true, (writer.items as Schema) ?? true, sides, `${path}[]`));
  }
  if (isObjectSchema(reader) || isObjectSchema(writer)) out.push(...objectRefusals(reader, writer, sides, path, fromTo));
  for (const key of new Set([...Object.keys(reader), ...Object.keys(writer)])) {
    if (HANDLED.has(key) || ANNOTATIONS.has(key) || reader[key] === undefined || same(reader[key], writer[key])) continue;
    out.push(...refuse(`${key} ${fromTo(reader[key], writer[key] ?? 'none')} (not understood by the gate: a change must be a new version)`));
  }
  return out;
}

function objectRefusals(reader: JsonSchema, writer: JsonSchema, sides: Sides, path: string, fromTo: (r: unknown, w: unknown) => string): Refusal[] {
  const out: Refusal[] = [];
  const readerProps = (reader.properties ?? {}) as Record<string, Schema>;
  const writerProps = (writer.properties ?? {}) as Record<string, Schema>;
  const readerRequired = (reader.required ?? []) as string[];
  const writerRequired = (writer.required ?? []) as string[];
  const status = (schema: JsonSchema, props: Record<string, Schema>, required: string[], key: string) =>
    required.includes(key) ? 'required' : key in props ? 'optional' : schema.additionalProperties === false ? 'absent' : 'absent (allowed as an unknown field)';
  const field = (key: string) => {
    const r = status(reader, readerProps, readerRequired, key);
    const w = status(writer, writerProps, writerRequired, key);
    return `field ${key}: ${sides.readerIsCurrent ? `${w} → ${r}` : `${r} → ${w}`}`;
  };

  for (const key of readerRequired) if (!writerRequired.includes(key)) out.push({ path, change: field(key) });
  // Only the writer's declared fields: one it never declared was never written by its producers,
  // which is what lets an open object gain an optional field.
  for (const [key, writerProp] of Object.entries(writerProps)) {
    const readerProp = readerProps[key] ?? (reader.additionalProperties as Schema | undefined) ?? true;
    if (readerProp === false) out.push({ path, change: field(key) });
    else out.push(...refusals(readerProp, writerProp, sides, `${path}.${key}`));
  }
  const readerExtra = (reader.additionalProperties as Schema | undefined) ?? true;
  const writerExtra = (writer.additionalProperties as Schema | undefined) ?? true;
  if (readerExtra === false && writerExtra !== false) {
    out.push({ path, change: `unknown fields ${fromTo('refused (strict object)', 'allowed')}` });
  } else if (readerExtra !== true && readerExtra !== false && writerExtra !== false) {
    out.push(...refusals(readerExtra, writerExtra, sides, `${path}.*`));
  }
  return out;
}

/** Lengths, sizes and numeric ranges: a reader's bound must not be tighter than the writer's. */
function bounds(reader: JsonSchema, writer: JsonSchema, fromTo: (r: unknown, w: unknown) => string, path: string): Refusal[] {
  const out: Refusal[] = [];
  const integer = types(reader)?.every((t) => t === 'integer' || t === 'null') ?? false;
  for (const [low, high] of [['minLength', 'maxLength'], ['minItems', 'maxItems'], ['minProperties', 'maxProperties'], ['minimum', 'maximum']] as const) {
    const [rLow, wLow] = [lower(reader, low, integer), lower(writer, low, integer)];
    const [rHigh, wHigh] = [upper(reader, high, integer), upper(writer, high, integer)];
    if (rLow !== undefined && (wLow === undefined || wLow.value < rLow.value || (wLow.value === rLow.value && rLow.exclusive && !wLow.exclusive))) {
      out.push({ path, change: `${low} ${fromTo(bound(rLow), wLow ? bound(wLow) : 'none')}` });
    }
    if (rHigh !== undefined && (wHigh === undefined || wHigh.value > rHigh.value || (wHigh.value === rHigh.value && rHigh.exclusive && !wHigh.exclusive))) {
      out.push({ path, change: `${high} ${fromTo(bound(rHigh), wHigh ? bound(wHigh) : 'none')}` });
    }
  }
  return out;
}

interface Bound {
  value: number;
  exclusive: boolean;
}

/** draft-07 numeric exclusive bounds; for integers `> 0` is `>= 1`, so both spellings compare equal. */
function lower(schema: JsonSchema, key: string, integer: boolean): Bound | undefined {
  const inclusive = schema[key] as number | undefined;
  const exclusive = key === 'minimum' ? (schema.exclusiveMinimum as number | undefined) : undefined;
  if (exclusive !== undefined && (inclusive === undefined || exclusive >= inclusive)) {
    return integer ? { value: Math.floor(exclusive) + 1, exclusive: false } : { value: exclusive, exclusive: true };
  }
  return inclusive === undefined ? undefined : { value: integer ? Math.ceil(inclusive) : inclusive, exclusive: false };
}

function upper(schema: JsonSchema, key: string, integer: boolean): Bound | undefined {
  const inclusive = schema[key] as number | undefined;
  const exclusive = key === 'maximum' ? (schema.exclusiveMaximum as number | undefined) : undefined;
  if (exclusive !== undefined && (inclusive === undefined || exclusive <= inclusive)) {
    return integer ? { value: Math.ceil(exclusive) - 1, exclusive: false } : { value: exclusive, exclusive: true };
  }
  return inclusive === undefined ? undefined : { value: integer ? Math.floor(inclusive) : inclusive, exclusive: false };
}

const bound = (b: Bound) => (b.exclusive ? `${b.value} (exclusive)` : b.value);

function types(schema: JsonSchema): string[] | undefined {
  const type = schema.type;
  return type === undefined ? undefined : Array.isArray(type) ? (type as string[]) : [type as string];
}

function values(schema: JsonSchema): unknown[] | undefined {
  return schema.const !== undefined ? [schema.const] : (schema.enum as unknown[] | undefined);
}

const isObjectSchema = (s: JsonSchema) => s.properties !== undefined || s.required !== undefined || s.additionalProperties !== undefined || types(s)?.includes('object');
const asObject = (s: Schema): JsonSchema => (s === true ? {} : s === false ? { not: {} } : s);
const strip = ({ anyOf: _a, oneOf: _o, ...rest }: JsonSchema): JsonSchema => rest;
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** JSON with sorted keys: equal schemas print equal whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
