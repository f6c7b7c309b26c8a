import { z } from 'zod';
import { contractJsonSchema } from '../contract-json-schema';
import { defineContract } from '../event-contract';
import { breakingChanges, describeBreak } from './schema-compatibility';

const schemaOf = (payload: z.ZodType) => contractJsonSchema(defineContract('things.Happened', 1, payload));
const reasons = (recorded: z.ZodType, current: z.ZodType) => breakingChanges(schemaOf(recorded), schemaOf(current)).map(describeBreak);

const OLD_EVENTS = /refuses events of this version already on the stream/;
const NEW_EVENTS = /consumers built on the recorded schema refuse new events/;

const base = { id: z.uuid(), name: z.string().min(1).max(50), count: z.number().int().nonnegative(), kind: z.enum(['A', 'B']) };
const { count: _count, ...withoutCount } = base;
const strict = z.object(base).strict();
const open = z.object(base);

describe('breakingChanges (recorded schema → current schema of one published version)', () => {
  describe('given a change that breaks a reader', () => {
    it.each<[string, z.ZodType, z.ZodType, RegExp, RegExp[]]>([
      ['a field removed', strict, z.object(withoutCount).strict(), /payload: field count: required → absent/, [OLD_EVENTS, NEW_EVENTS]],
      ['a field retyped', strict, z.object({ ...base, count: z.string() }).strict(), /payload\.count: type \["integer"\] → \["string"\]/, [OLD_EVENTS, NEW_EVENTS]],
      ['a new required field', strict, z.object({ ...base, currency: z.string() }).strict(), /payload: field currency: absent → required/, [OLD_EVENTS]],
      ['a maximum lowered', strict, z.object({ ...base, name: z.string().min(1).max(20) }).strict(), /payload\.name: maxLength 50 → 20/, [OLD_EVENTS]],
      ['a minimum raised', strict, z.object({ ...base, count: z.number().int().min(5) }).strict(), /payload\.count: minimum 0 → 5/, [OLD_EVENTS]],
      ['a pattern added', strict, z.object({ ...base, name: z.string().min(1).max(50).regex(/^[a-z]+$/) }).strict(), /payload\.name: pattern none → \^\[a-z\]\+\$/, [OLD_EVENTS]],
      ['an enum narrowed', strict, z.object({ ...base, kind: z.enum(['A']) }).strict(), /payload\.kind: allowed values \["A","B"\] → \["A"\]/, [OLD_EVENTS]],
      ['an enum widened', strict, z.object({ ...base, kind: z.enum(['A', 'B', 'C']) }).strict(), /allowed values \["A","B"\] → \["A","B","C"\]/, [NEW_EVENTS]],
      ['an open object closed', open, strict, /payload: unknown fields allowed → refused \(strict object\)/, [OLD_EVENTS]],
      ['a field made nullable', strict, z.object({ ...base, name: base.name.nullable() }).strict(), /payload\.name: type \["string"\] → \["null"\]/, [NEW_EVENTS]],
      ['a rule tightened inside a list', z.object({ lines: z.array(z.object({ sku: z.string() }).strict()) }), z.object({ lines: z.array(z.object({ sku: z.string().max(8) }).strict()) }), /payload\.lines\[\]\.sku: maxLength none → 8/, [OLD_EVENTS]],
    ])('when %s, then it says where, what and who breaks', (_case, recorded, current, change, who) => {
      const found = reasons(recorded, current);
      expect(found.some((r) => change.test(r))).toBe(true);
      who.forEach((w) => expect(found.join('\n')).toMatch(w));
    });

    it('when a strict object gains an optional field, then consumers on the recorded schema break: they refuse the unknown field', () => {
      const found = reasons(strict, z.object({ ...base, note: z.string().optional() }).strict());
      expect(found).toEqual([expect.stringMatching(/payload: field note: absent → optional/)]);
      expect(found[0]).toMatch(NEW_EVENTS);
      expect(found[0]).not.toMatch(OLD_EVENTS);
    });
  });

  describe('given a change no reader can see', () => {
    it.each<[string, z.ZodType, z.ZodType]>([
      ['nothing changed', strict, z.object(base).strict()],
      ['an open object gained an optional field', open, z.object({ ...base, note: z.string().max(10).optional() })],
      ['a description was added', strict, z.object({ ...base, name: base.name.describe('the display name') }).strict()],
      ['an integer bound was spelt another way (> 0 is >= 1)', z.object({ n: z.number().int().positive() }), z.object({ n: z.number().int().min(1) })],
    ])('when %s, then nothing breaks', (_case, recorded, current) => {
      expect(reasons(recorded, current)).toEqual([]);
    });
  });
});
