import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * Opens a module's data source and brings its schema up to date. An advisory lock serialises
 * migrations when several processes of the same module start together.
 */
export async function openModuleDataSource(options: DataSourceOptions, schema: string): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
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
