import { z } from 'zod';
import { contractJsonSchema, JsonSchema } from '../contract-json-schema';
import { defineContract } from '../event-contract';
import { explainVerdict, judgeContracts, REFUSED } from './contract-gate';

const schema = (shape: z.ZodRawShape) => contractJsonSchema(defineContract('things.Happened', 1, z.object(shape).strict()));
const v1 = schema({ id: z.uuid() });
const judge = (recorded: Record<string, JsonSchema>, current: Record<string, JsonSchema>) =>
  judgeContracts(new Map(Object.entries(recorded)), new Map(Object.entries(current)));

describe('judgeContracts (committed snapshots against the registry)', () => {
  it('given the same schema, then it is unchanged and says nothing', () => {
    const [verdict] = judge({ 'things.Happened@v1': v1 }, { 'things.Happened@v1': schema({ id: z.uuid() }) });
    expect(verdict.kind).toBe('unchanged');
    expect(explainVerdict(verdict)).toBeUndefined();
  });

  it('given a new version beside the recorded one, then v2 is new (to record) and v1 unchanged', () => {
    const verdicts = judge({ 'things.Happened@v1': v1 }, { 'things.Happened@v1': v1, 'things.Happened@v2': schema({ id: z.uuid(), n: z.number() }) });
    expect(verdicts.map((v) => [v.key, v.kind])).toEqual([['things.Happened@v1', 'unchanged'], ['things.Happened@v2', 'new']]);
    expect(verdicts.some((v) => REFUSED.has(v.kind))).toBe(false);
  });

  it('given a recorded version the registry dropped, then it is refused: its events may still be on the stream', () => {
    const [verdict] = judge({ 'things.Happened@v1': v1 }, {});
    expect(verdict.kind).toBe('withdrawn');
    expect(REFUSED.has(verdict.kind)).toBe(true);
    expect(explainVerdict(verdict)).toMatch(/things\.Happened@v1: BREAKING: a published version left the registry/);
  });

  it('given a version whose snapshot is missing below a recorded one, then it is refused as lost, not recorded as new', () => {
    const verdicts = judge({ 'things.Happened@v2': v1 }, { 'things.Happened@v1': schema({ id: z.string() }), 'things.Happened@v2': v1 });
    expect(verdicts.map((v) => [v.key, v.kind])).toEqual([['things.Happened@v1', 'lost'], ['things.Happened@v2', 'unchanged']]);
    expect(explainVerdict(verdicts[0])).toMatch(/things\.Happened@v1: BREAKING: its snapshot is missing/);
    expect(REFUSED.has('lost')).toBe(true);
  });

  it('given a breaking change, then it is refused, naming the contract and each reason', () => {
    const [verdict] = judge({ 'things.Happened@v1': v1 }, { 'things.Happened@v1': schema({ id: z.string() }) });
    expect(verdict.kind).toBe('breaking');
    expect(explainVerdict(verdict)).toMatch(
      /^things\.Happened@v1: BREAKING: .*new version instead\n[\s\S]*\n {2}- payload\.id: format uuid → none \(consumers built on the recorded schema refuse new events\)/,
    );
  });

  it('given a compatible change (a description), then it only needs recording', () => {
    const described = schema({ id: z.uuid().describe('the thing') });
    const [verdict] = judge({ 'things.Happened@v1': v1 }, { 'things.Happened@v1': described });
    expect(verdict).toEqual({ key: 'things.Happened@v1', kind: 'compatible', current: described });
  });
});
