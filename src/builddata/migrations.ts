/**
 * The schema, as numbered migrations applied in order and recorded in `drydock_migrations`.
 * `build_data` has Drydock's columns (statemgmt/db/tables.py: node_name, task_id,
 * collected_date, generator, data_format, data_element), with a serial id for ordering and a
 * text task id (ours are workflow ids, not UUIDs). `boot_action` and `boot_action_status` are
 * Drydock's two boot-action tables, with key hashes instead of keys.
 */
import type { Sql } from './sql';

export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'build_data',
    sql: `
      CREATE TABLE build_data (
        id BIGSERIAL PRIMARY KEY,
        node_name VARCHAR(280) NOT NULL,
        task_id VARCHAR(512) NOT NULL,
        collected_date TIMESTAMPTZ NOT NULL,
        generator VARCHAR(256) NOT NULL,
        data_format VARCHAR(32) NOT NULL,
        data_element TEXT NOT NULL
      );
      CREATE INDEX build_data_node ON build_data (node_name, collected_date);
      CREATE INDEX build_data_task ON build_data (task_id);`,
  },
  {
    version: 2,
    name: 'boot_actions',
    sql: `
      CREATE TABLE boot_action (
        node_name VARCHAR(280) PRIMARY KEY,
        task_id VARCHAR(512) NOT NULL,
        design_ref TEXT NOT NULL,
        key_hash CHAR(64) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE boot_action_status (
        action_id CHAR(26) PRIMARY KEY,
        node_name VARCHAR(280) NOT NULL,
        action_name VARCHAR(64) NOT NULL,
        task_id VARCHAR(512) NOT NULL,
        key_hash CHAR(64) NOT NULL,
        signaling BOOLEAN NOT NULL,
        action_status VARCHAR(32) NOT NULL,
        details JSONB NOT NULL DEFAULT '[]'
      );
      CREATE INDEX boot_action_status_node ON boot_action_status (node_name, task_id);`,
  },
];

/** Applies the migrations not yet applied; safe to run at every start, and concurrently on PostgreSQL. */
export async function migrate(sql: Sql): Promise<number[]> {
  await sql.query('CREATE TABLE IF NOT EXISTS drydock_migrations (version INT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
  return sql.transaction(async (tx) => {
    // One migrator at a time (a no-op lock on PGlite, which has one connection).
    await tx.query('LOCK TABLE drydock_migrations IN EXCLUSIVE MODE');
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM drydock_migrations')).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const stmt of m.sql.split(';').map((s) => s.trim()).filter(Boolean)) await tx.query(stmt);
      await tx.query('INSERT INTO drydock_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
