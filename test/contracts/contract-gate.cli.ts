import { relative, resolve } from 'node:path';
import { explainVerdict, judgeContracts, REFUSED } from '../../src/contracts/compatibility/contract-gate';
import { contractKey, defineContract, EventContract } from '../../src/contracts/event-contract';
import { eventEnvelopeSchema } from '../../src/contracts/event-envelope';
import { currentSchemas, readSnapshots, writeSnapshot } from './contract-snapshots';

/**
 * The compatibility gate (`npm run lint`) and its recorder (`npm run contracts:snapshot`, with
 * `--write`). Exit 0: every version is recorded as it is; 1: a published version would break its
 * readers (nothing is written); 2: only new or compatible changes, not recorded yet.
 * The envelope is recorded as `envelope.v1.json`. `--contracts <module exporting ALL_CONTRACTS>` and `--snapshots <dir>` serve the fixture test.
 */
const RECORD = 'npm run contracts:snapshot';
const ENVELOPE_CONTRACT = defineContract('envelope', 1, eventEnvelopeSchema);

async function main(args: string[]): Promise<number> {
  const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const modulePath = resolve(option('--contracts', 'src/contracts/index.ts'));
  const dir = relative(process.cwd(), resolve(option('--snapshots', 'src/contracts/snapshots')));
  // The envelope is read with every event: it is judged as a contract of its own.
  const contracts: readonly EventContract[] = [...(await import(modulePath)).ALL_CONTRACTS, ENVELOPE_CONTRACT];

  const verdicts = judgeContracts(readSnapshots(dir), currentSchemas(contracts));
  const refused = verdicts.filter((v) => REFUSED.has(v.kind));
  const unrecorded = verdicts.filter((v) => v.kind === 'new' || v.kind === 'compatible');
  verdicts.map(explainVerdict).forEach((text) => text && console.log(text));

  if (refused.length) {
    console.error(`contract gate: ${refused.length} published version(s) would break their readers${args.includes('--write') ? '; nothing recorded' : ''}`);
    return 1;
  }
  if (args.includes('--write')) {
    const keys = new Set(unrecorded.map((v) => v.key));
    contracts.filter((c) => keys.has(contractKey(c.type, c.version))).forEach((c) => console.log(`recorded ${writeSnapshot(dir, c)}`));
    console.log(`contract gate: ${verdicts.length} version(s) recorded in ${dir}`);
    return 0;
  }
  if (unrecorded.length) {
    console.error(`contract gate: no breaking change; ${unrecorded.length} version(s) not recorded yet: run \`${RECORD}\` and commit ${dir}`);
    return 2;
  }
  console.log(`contract gate: ${verdicts.length} version(s) as recorded`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
