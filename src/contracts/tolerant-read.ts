import { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  getter?: () => z.ZodType;
  in?: z.ZodType;
}

/**
 * A newer version's payload with every field the reader's schema does not know removed, at any
 * depth of objects, lists and wrappers (optional, nullable, default, lazy): what the reader knows
 * is then checked as strictly as ever. Unions and tuples are left as they are (which branch a value
 * was meant for is not known), so a field added inside one is still refused.
 */
export function withoutUnknownFields(schema: z.ZodType, value: unknown): unknown {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  switch (def.type) {
    case 'object':
      if (!isPlainObject(value) || !def.shape) return value;
      return Object.fromEntries(Object.entries(value).filter(([key]) => key in def.shape!).map(([key, v]) => [key, withoutUnknownFields(def.shape![key], v)]));
    case 'array':
      return Array.isArray(value) && def.element ? value.map((v) => withoutUnknownFields(def.element!, v)) : value;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return def.innerType ? withoutUnknownFields(def.innerType, value) : value;
    case 'lazy':
      return def.getter ? withoutUnknownFields(def.getter(), value) : value;
    case 'pipe':
      return def.in ? withoutUnknownFields(def.in, value) : value;
    default:
      return value;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
