import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
const GATE = resolve(__dirname, 'contract-gate.cli.ts');
const FIXTURES = resolve(__dirname, '../fixtures/contract-gate');

/** The gate as `npm run lint` (and, with --write, `npm run contracts:snapshot`) runs it. */
function gate(args: string[]) {
  const result = spawnSync(TSX, [GATE, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const fixture = (name: string) => ['--contracts', join(FIXTURES, `${name}.contracts.ts`)];
const contentsOf = (dir: string) => readdirSync(dir).map((f) => `${f}\n${readFileSync(join(dir, f), 'utf8')}`);

describe('the contract compatibility gate, on fixtures', () => {
  let snapshots: string;

  beforeEach(() => {
    snapshots = mkdtempSync(join(tmpdir(), 'contract-gate-'));
    const recorded = gate([...fixture('recorded'), '--snapshots', snapshots, '--write']);
    expect(recorded.status).toBe(0);
    expect(readdirSync(snapshots).sort()).toEqual(['things.Happened.v1.json', 'things.Noted.v1.json']);
  });

  afterEach(() => rmSync(snapshots, { recursive: true, force: true }));

  it('fails on breaking changes, naming each contract and why, and records none of them', () => {
    const before = contentsOf(snapshots);
    const check = gate([...fixture('breaking'), '--snapshots', snapshots]);
    expect(check.status).toBe(1);
    expect(check.output).toMatch(/things\.Happened@v1: BREAKING/);
    expect(check.output).toMatch(/payload\.count: type \["integer"\] → \["string"\]/);
    expect(check.output).toMatch(/payload\.name: maxLength 50 → 20 \(the current schema refuses events of this version already on the stream\)/);
    expect(check.output).toMatch(/payload: field currency: absent → required/);
    expect(check.output).toMatch(/things\.Noted@v1: BREAKING: a published version left the registry/);

    const write = gate([...fixture('breaking'), '--snapshots', snapshots, '--write']);
    expect(write.status).toBe(1);
    expect(write.output).toMatch(/nothing recorded/);
    expect(contentsOf(snapshots)).toEqual(before);
  });

  it('passes a new version and an optional field on an open object once recorded, by one command', () => {
    const unrecorded = gate([...fixture('additive'), '--snapshots', snapshots]);
    expect(unrecorded.output).not.toMatch(/BREAKING/);
    expect(unrecorded.output).toMatch(/things\.Happened@v2: a new version, not recorded yet/);
    expect(unrecorded.output).toMatch(/things\.Noted@v1: changed compatibly, not recorded yet/);
    expect(unrecorded.output).toMatch(/run `npm run contracts:snapshot`/);
    expect(unrecorded.status).toBe(2);

    expect(gate([...fixture('additive'), '--snapshots', snapshots, '--write']).status).toBe(0);
    const check = gate([...fixture('additive'), '--snapshots', snapshots]);
    expect(check.output).toMatch(/3 version\(s\) as recorded/);
    expect(check.status).toBe(0);
  });

  it('passes on the real registry and its committed snapshots', () => {
    const check = gate([]);
    expect(check.output).toMatch(/version\(s\) as recorded/);
    expect(check.status).toBe(0);
  });
});
