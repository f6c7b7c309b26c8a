import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractJsonSchema, JsonSchema } from '../../src/contracts/contract-json-schema';
import { contractKey, EventContract } from '../../src/contracts/event-contract';

/** `orders.OrderPlaced@v1` is kept as `orders.OrderPlaced.v1.json`. */
const FILE = /^(.+)\.v(\d+)\.json$/;
const fileOf = (contract: EventContract) => `${contract.type}.v${contract.version}.json`;

/** The committed snapshots, by contract key. */
export function readSnapshots(dir: string): Map<string, JsonSchema> {
  const snapshots = new Map<string, JsonSchema>();
  for (const file of safeList(dir)) {
    const match = FILE.exec(file);
    if (match) snapshots.set(contractKey(match[1], Number(match[2])), JSON.parse(readFileSync(join(dir, file), 'utf8')));
  }
  return snapshots;
}

/** What the registry's zod schemas say today, by contract key. */
export function currentSchemas(contracts: readonly EventContract[]): Map<string, JsonSchema> {
  return new Map(contracts.map((c) => [contractKey(c.type, c.version), contractJsonSchema(c)]));
}

export function writeSnapshot(dir: string, contract: EventContract): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, fileOf(contract));
  writeFileSync(file, `${JSON.stringify(contractJsonSchema(contract), null, 2)}\n`);
  return file;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
