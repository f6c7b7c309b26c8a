import { z } from 'zod';
import { contractJsonSchema } from '../contract-json-schema';
import { defineContract } from '../event-contract';
import { breakingChanges, describeBreak } from './schema-compatibility';

/**
 * The adversary's edits to a published version (issue 12): each row is one change a reviewer
 * could slip into a contract file. The gate may refuse a harmless one (it is conservative) but
 * never pass one that makes a reader refuse events.
 */
const schemaOf = (payload: z.ZodType) => contractJsonSchema(defineContract('things.Happened', 1, payload));
const reasons = (recorded: z.ZodType, current: z.ZodType) => breakingChanges(schemaOf(recorded), schemaOf(current)).map(describeBreak);
const one = (field: z.ZodType) => z.object({ n: field }).strict();

describe('the compatibility gate against an adversary', () => {
  describe('given a change that makes a reader refuse events, then it is refused', () => {
    it.each<[string, z.ZodType, z.ZodType]>([
      ['.int() added', one(z.number()), one(z.number().int())],
      ['.int() removed', one(z.number().int()), one(z.number())],
      ['uuid → string', one(z.uuid()), one(z.string())],
      ['string → uuid', one(z.string()), one(z.uuid())],
      ['uuid → uuidv7', one(z.uuid()), one(z.uuidv7())],
      ['email → the html5 e-mail rule', one(z.email()), one(z.email({ pattern: z.regexes.html5Email }))],
      ['a datetime loses its offset', one(z.iso.datetime({ offset: true })), one(z.iso.datetime())],
      ['nullable → optional', one(z.string().nullable()), one(z.string().optional())],
      ['optional → nullable', one(z.string().optional()), one(z.string().nullable())],
      ['nullish → optional', one(z.string().nullish()), one(z.string().optional())],
      ['an array minimum raised', one(z.array(z.string()).min(1)), one(z.array(z.string()).min(2))],
      ['an array maximum lowered', one(z.array(z.string()).max(5)), one(z.array(z.string()).max(4))],
      ['nonempty() added', one(z.array(z.string())), one(z.array(z.string()).nonempty())],
      ['a tuple element retyped', one(z.tuple([z.string(), z.number()])), one(z.tuple([z.string(), z.string()]))],
      ['a tuple given a rest', one(z.tuple([z.string()])), one(z.tuple([z.string()], z.string()))],
      ['a nested strict object gains an optional field', one(z.object({ a: z.string() }).strict()), one(z.object({ a: z.string(), b: z.string().optional() }).strict())],
      ['a nested optional field made required', one(z.object({ a: z.string().optional() }).strict()), one(z.object({ a: z.string() }).strict())],
      ['an enum value renamed', one(z.enum(['A', 'B'])), one(z.enum(['A', 'C']))],
      ['a union branch added', one(z.union([z.string(), z.number()])), one(z.union([z.string(), z.number(), z.boolean()]))],
      ['a union branch removed', one(z.union([z.string(), z.number()])), one(z.string())],
      [
        'a rule tightened inside one branch of a discriminated union',
        one(z.discriminatedUnion('k', [z.object({ k: z.literal('a'), x: z.string() }).strict(), z.object({ k: z.literal('b'), y: z.number() }).strict()])),
        one(z.discriminatedUnion('k', [z.object({ k: z.literal('a'), x: z.string().max(2) }).strict(), z.object({ k: z.literal('b'), y: z.number() }).strict()])),
      ],
      [
        'the discriminators of two branches swapped',
        one(z.discriminatedUnion('k', [z.object({ k: z.literal('a'), x: z.string() }).strict(), z.object({ k: z.literal('b'), x: z.number() }).strict()])),
        one(z.discriminatedUnion('k', [z.object({ k: z.literal('b'), x: z.string() }).strict(), z.object({ k: z.literal('a'), x: z.number() }).strict()])),
      ],
      ['a default removed (the field becomes required)', one(z.string().default('x')), one(z.string())],
      ['a literal changed', one(z.literal('a')), one(z.literal('b'))],
      ['a literal 1 → "1"', one(z.literal(1)), one(z.literal('1'))],
      ['a record value tightened', one(z.record(z.string(), z.number())), one(z.record(z.string(), z.number().int()))],
      ['a record key limited to an enum', one(z.record(z.string(), z.number())), one(z.record(z.enum(['a', 'b']), z.number()))],
      ['a lazy schema tightened', one(z.lazy(() => z.string())), one(z.lazy(() => z.string().max(2)))],
      ['an intersection adds a required field', one(z.object({ a: z.string() })), one(z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })))],
      ['a second regex', one(z.string().regex(/a/)), one(z.string().regex(/a/).regex(/b/))],
      ['startsWith()', one(z.string()), one(z.string().startsWith('a'))],
      ['lowercase()', one(z.string()), one(z.string().lowercase())],
      ['multipleOf()', one(z.number()), one(z.number().multipleOf(2))],
      ['<= 10 → < 10 on an integer', one(z.number().int().lte(10)), one(z.number().int().lt(10))],
      ['>= 0 → > 0 on a number', one(z.number().gte(0)), one(z.number().gt(0))],
      ['a catchall tightened', z.object({ a: z.string() }).catchall(z.string()), z.object({ a: z.string() }).catchall(z.string().max(2))],
      ['a loose object made strict', z.looseObject({ a: z.string() }), z.object({ a: z.string() }).strict()],
      ['a strict object made loose', z.object({ a: z.string() }).strict(), z.object({ a: z.string() })],
      ['a field renamed', z.object({ a: z.string() }).strict(), z.object({ b: z.string() }).strict()],
      ['a string limited to an enum', one(z.string()), one(z.enum(['a']))],
      ['an enum opened to any string', one(z.enum(['a'])), one(z.string())],
      ['a template literal changed', one(z.templateLiteral(['a', z.number()])), one(z.templateLiteral(['b', z.number()]))],
      ['z.coerce with a bound', one(z.number()), one(z.coerce.number().max(2))],
      ['preprocess() with a bound', one(z.number()), one(z.preprocess((v) => v, z.number().max(3)))],
      ['a field that now refuses every value', one(z.string().optional()), one(z.never().optional())],
      ['a reused schema moved under $ref (meta id)', one(z.string()), one(z.string().max(3).meta({ id: 'N' }))],
    ])('%s', (_case, recorded, current) => {
      expect(reasons(recorded, current)).not.toEqual([]);
    });
  });

  describe('given a change no reader can see, then it passes', () => {
    it.each<[string, z.ZodType, z.ZodType]>([
      ['an enum reordered', one(z.enum(['A', 'B'])), one(z.enum(['B', 'A']))],
      ['a brand', one(z.string()), one(z.string().brand<'Sku'>())],
      ['readonly()', one(z.string()), one(z.string()).readonly()],
      ['a title', one(z.string()), one(z.string().meta({ title: 'n' }))],
    ])('%s', (_case, recorded, current) => {
      expect(reasons(recorded, current)).toEqual([]);
    });
  });

  describe('given a rule JSON Schema cannot show', () => {
    // Finding (issue 12 adversary): zod drops refinements, pipes and transforms from its JSON
    // Schema, so a published version could be tightened through them and the gate saw nothing.
    it.each<[string, z.ZodType, z.ZodType]>([
      ['a refine() added', one(z.number().int()), one(z.number().int().refine((n) => n % 2 === 0))],
      ['a refine() on the whole payload', z.object({ a: z.number(), b: z.number() }).strict(), z.object({ a: z.number(), b: z.number() }).strict().refine((o) => o.a < o.b)],
      ['a refine() changed', one(z.string().refine((s) => s.length < 10)), one(z.string().refine((s) => s.length < 3))],
      ['a refine() removed', one(z.string().refine((s) => s.length < 10)), one(z.string())],
      ['a superRefine() added', one(z.string()), one(z.string().superRefine((v, ctx) => void (v.length > 3 && ctx.addIssue({ code: 'custom', message: 'long' }))))],
      ['a pipe into a tighter schema', one(z.string()), one(z.string().pipe(z.uuid()))],
      ['a transform that may throw', one(z.string()), one(z.string().transform((v) => v.toUpperCase()))],
    ])('%s: refused, since the gate cannot tell what it refuses', (_case, recorded, current) => {
      expect(reasons(recorded, current)).toEqual([expect.stringMatching(/not understood by the gate/)]);
    });

    it('the same refine() twice is no change', () => {
      const even = (n: number) => n % 2 === 0;
      expect(reasons(one(z.number().refine(even)), one(z.number().refine(even)))).toEqual([]);
    });

    it('z.custom() and z.set() cannot be published at all: the schema cannot be written', () => {
      expect(() => schemaOf(one(z.custom<string>((v) => typeof v === 'string')))).toThrow(/cannot be represented/);
      expect(() => schemaOf(one(z.set(z.string())))).toThrow(/cannot be represented/);
    });
  });
});
