import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule, needsModules, operatorConfig } from './cli/cli.module';
import { CliOutput, EXIT } from './cli/cli-output';
import { OperatorAccess } from './cli/operator-access';
import { StderrLogger } from './cli/stderr-logger';
import { isCommanderError } from './cli/usage-errors';
import { loadConfig } from './config/app-config';
import { checkPostgres } from './platform/database/postgres-preflight';
import { scrubLogText } from './platform/observability/log-scrubber';

/**
 * The operator CLI: `npm run cli -- <command>` (node dist/cli.js in the image). It reads the same
 * environment as the shop (DATABASE_URL, NATS_URL, MESSAGING_NAMESPACE, APP_MODULES, ADMIN_TOKEN)
 * and exits 0 when the command did its work, 1 when it failed or was refused, 2 on a usage mistake.
 */
async function main(): Promise<number> {
  const out = new CliOutput();
  const config = loadConfig(process.env);
  // Refused before any connection is opened: the credential first, then what the CLI must reach.
  try {
    new OperatorAccess(config).scope();
  } catch (refusal) {
    out.fail(refusal);
    return out.exitCode;
  }
  const modules = needsModules(process.argv.slice(2));
  const without = operatorConfig(config, modules).modules.filter((module) => !(config.database.urls[module] ?? config.database.url));
  if (without.length > 0) {
    out.fail(new Error(`no database for ${without.join(', ')}: set DATABASE_URL (or DATABASE_URL_<MODULE>); the CLI starts no embedded Postgres`));
    return out.exitCode;
  }
  // One line at once for a database that is away, refuses, or is not the shop's (a mistyped name).
  await checkPostgres(operatorConfig(config, modules));
  const app = await CommandFactory.createWithoutRunning(CliModule.forRoot(config, out, modules), {
    logger: new StderrLogger(config.logLevel),
    // A failed boot reaches main's one-line report instead of Nest's stack and process.exit.
    abortOnError: false,
    cliName: 'shop',
    serviceErrorHandler: (error) => {
      if (isCommanderError(error)) return;
      out.fail(error);
    },
  });
  try {
    await CommandFactory.runApplication(app);
  } finally {
    // A connection that never opened has nothing to close; the command's outcome is reported already.
    await app.close().catch(() => undefined);
  }
  return out.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`error: ${scrubLogText((error as Error)?.message ?? String(error))}\n`);
    process.exit(EXIT.failure);
  },
);
