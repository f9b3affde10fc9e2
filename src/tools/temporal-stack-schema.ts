import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PostgresCluster } from './postgres';
import { DATABASES } from './temporal-stack-config';
import { TEMPORAL_SERVER_RELEASE, TemporalServerTools, TemporalStackError } from './temporal-stack-tools';

/** Runs temporal-sql-tool against one database; the password goes in its environment, not its arguments. */
function sqlTool(tools: TemporalServerTools, pg: PostgresCluster, database: string, args: string[]): void {
  const r = spawnSync(tools.sqlToolPath, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pg.port), '-u', pg.user, '--db', database, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SQL_PASSWORD: pg.password },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new TemporalStackError(`temporal-sql-tool ${args[0]} (${database}) failed:\n${(r.stderr || r.stdout || r.error?.message || '').trim().split('\n').slice(-8).join('\n')}`);
}

/** create-database, setup-schema -v 0.0 and update-schema up to the newest version: what the
 * server's docs give for a new database; update-schema alone upgrades an existing one. */
export function setUpSchemas(tools: TemporalServerTools, pg: PostgresCluster, stateDir: string): void {
  const marker = join(stateDir, `schema-${TEMPORAL_SERVER_RELEASE}`);
  if (existsSync(marker)) return;
  for (const [folder, database] of [['temporal', DATABASES.temporal], ['visibility', DATABASES.visibility]] as const) {
    if (!existsSync(join(stateDir, `schema-created-${database}`))) {
      sqlTool(tools, pg, database, ['create-database']);
      sqlTool(tools, pg, database, ['setup-schema', '-v', '0.0']);
      writeFileSync(join(stateDir, `schema-created-${database}`), '');
    }
    sqlTool(tools, pg, database, ['update-schema', '-d', join(tools.schemaDir, folder, 'versioned')]);
  }
  writeFileSync(marker, '');
}
