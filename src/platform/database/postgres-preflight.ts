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
 * for every module.
 */
export async function checkPostgres(config: AppConfig): Promise<void> {
  const byUrl = new Map<string, string[]>();
  for (const module of config.modules) {
    const url = databaseUrlFor(config, module);
    byUrl.set(url, [...(byUrl.get(url) ?? []), module]);
  }
  await Promise.all([...byUrl].map(([url, modules]) => reach(url, modules, config.database.caFile)));
}

async function reach(url: string, modules: string[], caFile?: string): Promise<void> {
  const { connectionString, ssl } = postgresConnection(url, caFile);
  const client = new Client({ connectionString, ssl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code && REACHED.has(code)) return;
    const { hostname, port } = new URL(url);
    const why = redactUrls(`${message ?? String(error)}${code && !message?.includes(code) ? ` (${code})` : ''}`);
    throw new StartupError(`Postgres for ${modules.join(', ')} at ${hostname}:${port || 5432} failed: ${why}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
