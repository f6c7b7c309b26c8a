import { CommandTestFactory } from 'nest-commander-testing';
import { CliModule } from '../../src/cli/cli.module';
import { CliOutput } from '../../src/cli/cli-output';
import { StderrLogger } from '../../src/cli/stderr-logger';
import { isCommanderError } from '../../src/cli/usage-errors';
import { testConfig, TestEnv } from './test-app';

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one operator CLI command through nest-commander's testing factory: the CLI's own
 * application context (real Postgres, real NATS), its output captured instead of printed.
 */
export async function runCli(env: TestEnv, args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = new CliOutput(
    (s) => (stdout += s),
    (s) => (stderr += s),
  );
  const app = await CommandTestFactory.createTestingCommand(
    { imports: [CliModule.forRoot(testConfig(env), out)] },
    { serviceErrorHandler: (error) => (isCommanderError(error) ? undefined : out.fail(error)) },
  )
    .setLogger(new StderrLogger('silent'))
    .compile();
  await CommandTestFactory.run(app, args);
  return { exitCode: out.exitCode, stdout, stderr };
}

/** Runs a command with `--json` that must succeed; answers its parsed output. */
export async function runCliJson<T = any>(env: TestEnv, args: string[]): Promise<T> {
  const run = await runCli(env, [...args, '--json']);
  if (run.exitCode !== 0) throw new Error(`cli ${args.join(' ')} exited ${run.exitCode}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
