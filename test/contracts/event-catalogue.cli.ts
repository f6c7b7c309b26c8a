import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BUSINESS_MODULES } from '../../src/app.module';
import { ALL_CONTRACTS } from '../../src/contracts';
import { catalogueTable, withCatalogue } from '../../src/platform/event-docs/event-catalogue';
import { eventMap } from '../../src/platform/event-docs/event-map';
import { listenerBindings } from '../../src/platform/event-docs/listener-bindings';
import { MessagingNames } from '../../src/platform/messaging/naming';

/**
 * The README's event catalogue, from the contract registry and the listeners' decorators.
 * `npm run lint` (contracts:check) checks it is current, exit 1 when stale; with --write
 * (`npm run contracts:catalogue`, also the last step of `npm run contracts:snapshot`) it rewrites
 * it. `--readme <path>` serves the test.
 */
const FIX = 'npm run contracts:catalogue';

function main(args: string[]): number {
  const readme = relative(process.cwd(), resolve(args.includes('--readme') ? args[args.indexOf('--readme') + 1] : 'README.md'));
  const table = catalogueTable(eventMap(ALL_CONTRACTS, listenerBindings(Object.values(BUSINESS_MODULES))), new MessagingNames(''));
  const text = readFileSync(readme, 'utf8');
  const current = withCatalogue(text, table);
  if (current === text) {
    console.log(`event catalogue: ${readme} is current`);
    return 0;
  }
  if (args.includes('--write')) {
    writeFileSync(readme, current);
    console.log(`event catalogue: ${readme} rewritten`);
    return 0;
  }
  console.error(`event catalogue: the table in ${readme} is stale (the contracts or the listeners changed): run \`${FIX}\` and commit it`);
  return 1;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (error) {
  console.error(`event catalogue: ${(error as Error).message}`);
  process.exit(1);
}
