import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions } from 'typeorm';
import { StartupError } from '../startup-error';
import { poolOf } from './transaction-runner';

/**
 * Gives each new pooled connection an 'error' listener for its whole life. pg-pool takes its own
 * off a client as it hands it out, and hands a new one out from its socket's data handler: when
 * Postgres ends the session in the packet of its ReadyForQuery (pg_terminate_backend, a restart),
 * the FATAL is emitted before the caller could listen, and an unheard 'error' ends the process.
 */
function hearSessionErrors(dataSource: DataSource, schema: string): DataSource {
  const logger = new Logger(`Database:${schema}`);
  poolOf(dataSource).on('connect', (client) => client.on('error', (error) => logger.warn(`a session ended: ${error.message}`)));
  return dataSource;
}

/**
 * Opens a module's data source and brings its schema up to date. An advisory lock serialises
 * migrations when several processes of the same module start together.
 */
export async function openModuleDataSource(options: DataSourceOptions, schema: string): Promise<DataSource> {
  const dataSource = hearSessionErrors(await initializeCreatingDatabase(options), schema);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const lock = `migrations:${schema}`;
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]).catch(() => undefined);
    await runner.release();
  }
  return dataSource;
}

/** A fresh machine has the server but not the database: create it once, then connect. */
async function initializeCreatingDatabase(options: DataSourceOptions): Promise<DataSource> {
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    const url = 'url' in options ? options.url : undefined;
    if ((error as { code?: string }).code !== '3D000' || !url) throw error;
    const target = new URL(url);
    const name = decodeURIComponent(target.pathname.slice(1));
    target.pathname = '/postgres';
    const ssl = 'ssl' in options ? options.ssl : undefined;
    const admin = await new DataSource({ type: 'postgres', url: target.toString(), ssl }).initialize();
    try {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (e) {
      // Another module (or process) created it first: 42P04, or 23505 when the two raced.
      if (!['42P04', '23505'].includes((e as { code?: string }).code ?? '')) throw e;
    } finally {
      await admin.destroy();
    }
    return new DataSource(options).initialize();
  }
}

/**
 * Opens a module's data source without changing anything (the operator CLI): no database
 * created, no migration run. A database without the module's schema, or behind this build's
 * migrations, is refused: a mistyped DATABASE_URL must not answer "nothing waits, nothing parked".
 */
export async function openExistingModuleDataSource(options: DataSourceOptions, schema: string): Promise<DataSource> {
  const dataSource = hearSessionErrors(await new DataSource(options).initialize(), schema);
  try {
    const [{ table }] = await dataSource.query('SELECT to_regclass($1)::text AS table', [`"${schema}".migrations`]);
    if (!table) throw new StartupError(`the database has no ${schema} schema: is DATABASE_URL the shop's database? (the CLI creates and migrates nothing)`);
    const done = new Set((await dataSource.query(`SELECT name FROM "${schema}".migrations`)).map((r: { name: string }) => r.name));
    const pending = dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !done.has(name));
    if (pending.length > 0) {
      throw new StartupError(`the ${schema} schema lacks ${pending.length} migration(s) of this build (${pending.join(', ')}): start the shop of this version once first`);
    }
    return dataSource;
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}
