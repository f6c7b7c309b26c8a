import { JsonSchema } from '../contract-json-schema';
import { canonical } from './schema-refusals';
import { breakingChanges, describeBreak } from './schema-compatibility';

/** What the gate thinks of one (type, version): recorded snapshot against the registry's schema. */
export type Verdict =
  | { key: string; kind: 'unchanged' }
  | { key: string; kind: 'new'; current: JsonSchema }
  | { key: string; kind: 'compatible'; current: JsonSchema }
  | { key: string; kind: 'breaking'; reasons: string[] }
  | { key: string; kind: 'withdrawn' }
  | { key: string; kind: 'lost' };

/** Refused outright; `new` and `compatible` only need recording (`npm run contracts:snapshot`). */
export const REFUSED: ReadonlySet<Verdict['kind']> = new Set(['breaking', 'withdrawn', 'lost']);

/** Keys are `type@vN`; `recorded` is what is committed, `current` what the registry's zod schemas say. */
export function judgeContracts(recorded: ReadonlyMap<string, JsonSchema>, current: ReadonlyMap<string, JsonSchema>): Verdict[] {
  const keys = [...new Set([...recorded.keys(), ...current.keys()])].sort();
  return keys.map((key): Verdict => {
    const before = recorded.get(key);
    const now = current.get(key);
    // Versions are published in order: one below a recorded version was published too, so its
    // missing snapshot was deleted, and recording it afresh would accept any edit to it.
    if (!before) return laterRecorded(recorded, key) ? { key, kind: 'lost' } : { key, kind: 'new', current: now! };
    if (!now) return { key, kind: 'withdrawn' };
    if (canonical(before) === canonical(now)) return { key, kind: 'unchanged' };
    const breaks = breakingChanges(before, now);
    return breaks.length ? { key, kind: 'breaking', reasons: breaks.map(describeBreak) } : { key, kind: 'compatible', current: now };
  });
}

/** One paragraph per contract that is not as recorded, saying why and what to do. */
export function explainVerdict(verdict: Verdict): string | undefined {
  switch (verdict.kind) {
    case 'unchanged':
      return undefined;
    case 'new':
      return `${verdict.key}: a new version, not recorded yet`;
    case 'compatible':
      return `${verdict.key}: changed compatibly, not recorded yet`;
    case 'withdrawn':
      return `${verdict.key}: BREAKING: a published version left the registry; its events may still be on the stream (and replays read them): keep it readable`;
    case 'lost':
      return `${verdict.key}: BREAKING: its snapshot is missing while a later version is recorded; it was published: restore the snapshot (git checkout) rather than record it again`;
    case 'breaking':
      return [`${verdict.key}: BREAKING: its readers would refuse events; publish the change as a new version instead`, ...verdict.reasons.map((r) => `  - ${r}`)].join('\n');
  }
}

const versionOf = (key: string) => Number(key.slice(key.lastIndexOf('@v') + 2));
const typeOf = (key: string) => key.slice(0, key.lastIndexOf('@v'));

function laterRecorded(recorded: ReadonlyMap<string, JsonSchema>, key: string): boolean {
  return [...recorded.keys()].some((k) => typeOf(k) === typeOf(key) && versionOf(k) > versionOf(key));
}
