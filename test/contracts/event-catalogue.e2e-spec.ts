import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALL_CONTRACTS } from '../../src/contracts';

const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
const CATALOGUE = resolve(__dirname, 'event-catalogue.cli.ts');

/** The README check as `npm run lint` runs it (and, with --write, `npm run contracts:catalogue`). */
function catalogue(args: string[]) {
  const result = spawnSync(TSX, [CATALOGUE, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the event catalogue in the README', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'event-catalogue-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is current in the committed README, with a row for every contract type', () => {
    const check = catalogue([]);
    expect(check.output).toMatch(/README\.md is current/);
    expect(check.status).toBe(0);
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    for (const type of new Set(ALL_CONTRACTS.map((c) => c.type))) expect(readme).toMatch(new RegExp(`^\\| \`${type.replace('.', '\\.')}\` \\|`, 'm'));
  });

  it('fails on a stale copy, naming the command that fixes it, which does', () => {
    const stale = join(dir, 'README.md');
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    writeFileSync(stale, readme.replace(/^\| `orders\.OrderPlaced` \|.*\n/m, ''));
    const check = catalogue(['--readme', stale]);
    expect(check.status).toBe(1);
    expect(check.output).toMatch(/is stale .*run `npm run contracts:catalogue`/);

    expect(catalogue(['--readme', stale, '--write']).status).toBe(0);
    expect(readFileSync(stale, 'utf8')).toBe(readme);
  });

  // Finding (issue 12 adversary): only the first pair of markers was checked, so a second copy
  // of the table (pasted further down, then left to rot) passed as current.
  it('fails on a README holding a second, stale copy of the table between markers of its own', () => {
    const twice = join(dir, 'README.md');
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- event-catalogue:start -->');
    const end = readme.indexOf('<!-- event-catalogue:end -->') + '<!-- event-catalogue:end -->'.length;
    const stale = readme.slice(start, end).replace(/^\| `orders\.OrderPlaced` \|.*\n/m, '');
    writeFileSync(twice, `${readme}\n## Events again\n\n${stale}\n`);
    const check = catalogue(['--readme', twice]);
    expect(check.status).toBe(1);
    expect(check.output).toMatch(/markers .* more than once/);
  });

  it('refuses a README without its markers rather than guessing where the table goes', () => {
    const bare = join(dir, 'README.md');
    writeFileSync(bare, '# Shop\n');
    const check = catalogue(['--readme', bare, '--write']);
    expect(check.status).toBe(1);
    expect(check.output).toMatch(/markers .* missing/);
  });
});
