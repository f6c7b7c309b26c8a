import { readFileSync } from 'node:fs';
import { BUSINESS_MODULES } from './env-schema';
import { unreadable } from './file-settings';
import type { Issue } from './config-rules';

/**
 * The variables that hold a secret (a password, a token, a URL with credentials). Each may be
 * given instead as `<NAME>_FILE`, the path of a file holding the value, as Docker and Kubernetes
 * hand secrets to a container. The one list: a new secret variable is added here and nowhere else.
 */
export const SECRET_VARIABLES: readonly string[] = [
  'DATABASE_URL',
  ...BUSINESS_MODULES.map((m) => `DATABASE_URL_${m.toUpperCase()}`),
  'NATS_URL',
  'NATS_TOKEN',
  'SMTP_URL',
  'REDIS_URL',
  'ADMIN_TOKEN',
  'ADMIN_FULL_TOKEN',
];

export type ReadFile = (path: string) => string;

export interface SecretFilesResult {
  /** The environment with every `<NAME>_FILE` replaced by `<NAME>` and the file's content. */
  env: Record<string, string | undefined>;
  /** The variables whose value came from a file: error messages say so. */
  fromFile: Set<string>;
  issues: Issue[];
}

/**
 * Reads the `<NAME>_FILE` variables of the secret list. The content is the value, without its
 * trailing newline (what `echo secret > file` leaves) and a leading byte-order mark. Both forms set, or a file that cannot be
 * read, is an issue naming the variable and the path, never the content. An empty `<NAME>_FILE`
 * counts as unset, like an empty variable elsewhere.
 */
export function readSecretFiles(env: Record<string, string | undefined>, read: ReadFile = readRegularFile): SecretFilesResult {
  const resolved = { ...env };
  const fromFile = new Set<string>();
  const issues: Issue[] = [];
  for (const name of SECRET_VARIABLES) {
    const path = env[`${name}_FILE`];
    if (!path) continue;
    delete resolved[`${name}_FILE`];
    if (env[name] !== undefined && env[name] !== '') {
      issues.push({ variable: `${name}_FILE`, message: `set together with ${name}: give the value or the file, not both` });
      continue;
    }
    try {
      // A byte-order mark (Windows editors) is never part of a secret.
      resolved[name] = read(path).replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
      fromFile.add(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      issues.push({ variable: `${name}_FILE`, message: code ? `cannot read ${path} (${code})` : (error as Error).message });
    }
  }
  return { env: resolved, fromFile, issues };
}

/** Only a regular file: a FIFO nobody writes would block the boot for good, /dev/zero never ends. */
function readRegularFile(path: string): string {
  const problem = unreadable(path);
  if (problem) throw new Error(problem);
  return readFileSync(path, 'utf8');
}
