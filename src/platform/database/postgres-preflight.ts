import { Client } from 'pg';
import { AppConfig, databaseUrlFor } from '../../config/app-config';
import { redactUrls } from '../redact-url';
import { StartupError } from '../startup-error';
import { postgresConnection } from './postgres-tls';

/** Postgres answered: the server is there and took the credentials (a database still to create is fine). */
const REACHED = new Set(['3D000']);

/**
 * One connection per distinct database before Nest starts: a refused connection, password or
 * certificate is one line saying where and why, at once, instead of TypeORM's retries and stacks
 * for every module. The operator CLI (`existingOnly`) also needs the database and the schemas.
 */
export async function checkPostgres(config: AppConfig): Promise<void> {
  const byUrl = new Map<string, string[]>();
  for (const module of config.modules) {
    const url = databaseUrlFor(config, module);
    byUrl.set(url, [...(byUrl.get(url) ?? []), module]);
  }
  await Promise.all([...byUrl].map(([url, modules]) => reach(url, modules, config.database.caFile, config.database.existingOnly)));
}

/** `existingOnly` (the CLI): the database and each module's schema must be there already. */
async function reach(url: string, modules: string[], caFile?: string, existingOnly = false): Promise<void> {
  const { connectionString, ssl } = postgresConnection(url, caFile);
  const client = new Client({ connectionString, ssl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  const { hostname, port, pathname } = new URL(url);
  const where = `${hostname}:${port || 5432}`;
  try {
    try {
      await client.connect();
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      if (code && REACHED.has(code) && !existingOnly) return;
      const why = redactUrls(`${message ?? String(error)}${code && !message?.includes(code) ? ` (${code})` : ''}`);
      throw new StartupError(`Postgres for ${modules.join(', ')} at ${where} failed: ${why}`);
    }
    if (!existingOnly) return;
    const { rows } = await client.query<{ schema: string }>(
      `SELECT schema FROM unnest($1::text[]) AS schema WHERE to_regclass(format('%I.migrations', schema)) IS NULL`,
      [modules],
    );
    if (rows.length > 0) {
      const database = decodeURIComponent(pathname.slice(1)) || '(default)';
      throw new StartupError(
        `database ${database} at ${where} has no ${rows.map((r) => r.schema).join(', ')} schema: is DATABASE_URL the shop's database? (the CLI creates and migrates nothing)`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
