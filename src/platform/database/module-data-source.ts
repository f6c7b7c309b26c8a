import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * Opens a module's data source and brings its schema up to date. An advisory lock serialises
 * migrations when several processes of the same module start together.
 */
export async function openModuleDataSource(options: DataSourceOptions, schema: string): Promise<DataSource> {
  const dataSource = await initializeCreatingDatabase(options);
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
