import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The short chaos run for CI (`npm run chaos:ci`, dist/ built): a run with every fault kind that
 * must pass, then a negative control (a known bug injected) that must be caught. Sizes can be
 * overridden by the usual CHAOS_* variables.
 */
const RUN = resolve(__dirname, 'run-chaos.ts');
const TSX = resolve(__dirname, '../../node_modules/.bin/tsx');

function chaos(env: Record<string, string>, args: string[] = []): Promise<number> {
  return new Promise((done) => {
    const child = spawn(TSX, [RUN, ...args], { stdio: 'inherit', env: { ...env, ...process.env } });
    child.once('exit', (code) => done(code ?? 2));
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  // ~10 faults: kill -9 of an app every other slot, the broker and database faults in between.
  const run = await chaos({ CHAOS_SECONDS: '30', CHAOS_RATE: '6', CHAOS_FAULT_EVERY_MS: '2500', CHAOS_QUIESCE_MS: '45000', CHAOS_SEED: '1' });
  const bug = process.env.CHAOS_CI_INJECT ?? 'skip-inbox';
  // The negative control needs no fault: the checker must see the bug in a plain run.
  const control = await chaos({ CHAOS_SECONDS: '6', CHAOS_RATE: '6', CHAOS_FAULTS: 'kill-app', CHAOS_FAULT_EVERY_MS: '60000', CHAOS_QUIESCE_MS: '20000' }, ['--inject', bug]);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n[chaos:ci] run: ${run === 0 ? 'passed' : `FAILED (exit ${run})`}; negative control ${bug}: ${control === 1 ? 'caught (exit 1)' : `NOT CAUGHT (exit ${control})`}; ${seconds} s`);
  return run === 0 && control === 1 ? 0 : 1;
}

void main().then((code) => process.exit(code));
