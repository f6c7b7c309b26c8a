import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const CONFIG = resolve(ROOT, '.dependency-cruiser.js');
const DEPCRUISE = resolve(ROOT, 'node_modules/.bin/depcruise');
const ANSI_COLOURS = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function cruise(cwd: string) {
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  const result = spawnSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'err'], { cwd, env, encoding: 'utf8' });
  // CI terminals may still get colours: compare the text only.
  return { status: result.status, output: `${result.stdout}${result.stderr}`.replace(ANSI_COLOURS, '') };
}

describe('module boundaries (dependency-cruiser, as `npm run lint` runs it)', () => {
  it('fails on a fixture with a cross-module import, a contract importing a module, and framework code in a domain', () => {
    const { status, output } = cruise(resolve(__dirname, '../fixtures/boundaries'));
    expect(status).not.toBe(0);
    expect(output).toMatch(/no-cross-module-imports[\s\S]*alpha\.service\.ts → src\/modules\/beta\/beta\.service\.ts/);
    expect(output).toMatch(/contracts-import-no-module[\s\S]*alpha-happened\.v1\.ts/);
    expect(output).toMatch(/domain-is-framework-free[\s\S]*alpha\.aggregate\.ts/);
  });

  it('passes on the real source tree', () => {
    const { status, output } = cruise(ROOT);
    expect(output).toMatch(/no dependency violations found/);
    expect(status).toBe(0);
  });
});
