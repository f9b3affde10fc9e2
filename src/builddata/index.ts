/** Opening the build-data database: PostgreSQL when a URL is given, else the embedded PGlite. */
import { SqlBootActionStore } from './boot-action-store';
import { migrate } from './migrations';
import { openPglite, openPostgres, type Sql } from './sql';
import { BuildDataStore } from './store';

export { bootActionBuildData, BuildDataStore, retentionCutoff, toBuildData, type BuildData, type BuildDataInput } from './store';
export { SqlBootActionStore } from './boot-action-store';
export { migrate, MIGRATIONS } from './migrations';
export type { Sql } from './sql';

export interface BuildDataDatabase {
  sql: Sql;
  buildData: BuildDataStore;
  bootActions: SqlBootActionStore;
  close(): Promise<void>;
}

/**
 * `{ url: 'postgres://...' }` for production (its own database on the production cluster), or
 * `{ dataDir }` for the embedded default (e.g. `.drydock/builddata`); migrations run on open.
 */
export async function openBuildDataDatabase(options: { url?: string; dataDir?: string }): Promise<BuildDataDatabase> {
  return onSql(options.url ? await openPostgres(options.url) : await openPglite(options.dataDir));
}

/** The stores on an open connection (migrated first); closing the result closes it. */
export async function onSql(sql: Sql): Promise<BuildDataDatabase> {
  try {
    await migrate(sql);
  } catch (e) {
    await sql.close();
    throw e;
  }
  return { sql, buildData: new BuildDataStore(sql), bootActions: new SqlBootActionStore(sql), close: () => sql.close() };
}
