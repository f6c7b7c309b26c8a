import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator } from 'nats';
import { z } from 'zod';

/** Why `path` cannot be read by this process, or nothing. The message names the path, never the content. */
export function unreadable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    return `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`;
  }
}

/**
 * A file the process reads at boot (a CA, a certificate, a key, NATS credentials): empty is
 * unset; a missing or unreadable file, or content `check` refuses, fails the configuration.
 */
export const readableFile = (check?: (content: string) => string | undefined) =>
  z
    .string()
    .optional()
    .transform((path, ctx) => {
      if (!path) return undefined;
      const problem = unreadable(path) ?? check?.(readFileSync(path, 'utf8'));
      if (!problem) return path;
      ctx.issues.push({ code: 'custom', input: path, message: problem });
      return z.NEVER;
    });

/** A `.creds` file (`nsc generate creds`): the user JWT and its NKey seed; signing a nonce proves both are there. */
export function checkCreds(content: string): string | undefined {
  try {
    credsAuthenticator(new TextEncoder().encode(content))('nonce');
    return undefined;
  } catch {
    return 'not a NATS credentials file (a user JWT and its NKey seed, as `nsc generate creds` writes it)';
  }
}

/** An NKey seed file (`nk -gen user`): one seed starting with `SU`. */
export function checkNkeySeed(content: string): string | undefined {
  try {
    const seed = content.trim();
    if (!seed.startsWith('SU')) throw new Error('not a user seed');
    nkeyAuthenticator(new TextEncoder().encode(seed))('nonce');
    return undefined;
  } catch {
    return 'not a NATS user NKey seed (one line starting with SU, as `nk -gen user` writes it)';
  }
}
