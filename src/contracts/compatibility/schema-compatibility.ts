import { JsonSchema } from '../contract-json-schema';
import { refusals } from './schema-refusals';

/** A change to a published version's schema that makes one of its readers refuse an event. */
export interface SchemaBreak {
  path: string;
  change: string;
  /** Who refuses what: events already on the stream, or new events read by older consumers. */
  breaks: string[];
}

const OLD_EVENTS = 'the current schema refuses events of this version already on the stream';
const NEW_EVENTS = 'consumers built on the recorded schema refuse new events';

/**
 * A published version must keep both of its readers: the current consumers read events written
 * under the recorded schema (JetStream keeps them for days; replays read them again), and the
 * consumers still deployed on the recorded schema read events written under the current one
 * (a rolling upgrade, a module not redeployed). So the accepted values may not shrink either way;
 * what passes is what neither side can see: an optional field on an open object, a reworded
 * description, the same rule spelt differently.
 */
export function breakingChanges(recorded: JsonSchema, current: JsonSchema): SchemaBreak[] {
  const byChange = new Map<string, SchemaBreak>();
  const add = (path: string, change: string, breaks: string) => {
    const key = `${path}\n${change}`;
    const known = byChange.get(key) ?? { path, change, breaks: [] };
    if (!known.breaks.includes(breaks)) known.breaks.push(breaks);
    byChange.set(key, known);
  };
  refusals(current, recorded, { readerIsCurrent: true }).forEach((r) => add(r.path, r.change, OLD_EVENTS));
  refusals(recorded, current, { readerIsCurrent: false }).forEach((r) => add(r.path, r.change, NEW_EVENTS));
  return [...byChange.values()];
}

export function describeBreak(b: SchemaBreak): string {
  return `${b.path}: ${b.change} (${b.breaks.join('; ')})`;
}
