import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { pollUntil } from './poll';
import { Launcher, StackProcess } from './stack-process';

/**
 * A PostgreSQL cluster of our own (Debian's `postgresql` binaries, never the system cluster):
 * `initdb` in a folder, the server on 127.0.0.1 and a port of ours, no Unix socket, password
 * (SCRAM) authentication for the one role, `temporal`. As root it runs as the `postgres` user
 * (PostgreSQL refuses to run as root), which owns the data folder.
 */
export interface PostgresCluster {
  binDir: string;
  dataDir: string;
  port: number;
  user: string;
  /** Given to clients through the environment (PGPASSWORD, SQL_PASSWORD), never argv. */
  password: string;
  /** Durable (fsync on) unless the caller asked for speed over crash safety of the machine. */
  durable: boolean;
  runAs?: { uid: number; gid: number };
}

export class PostgresError extends Error {
  override name = 'PostgresError';
}

/** The Debian layout keeps the server binaries out of PATH: /usr/lib/postgresql/<major>/bin. */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DRYDOCK_POSTGRES_BIN) return env.DRYDOCK_POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (majors.length > 0) return join(root, majors[0], 'bin');
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'initdb'))) return dir;
  throw new PostgresError('PostgreSQL is not installed: no initdb in /usr/lib/postgresql/*/bin or on PATH. Install Debian\'s postgresql (bash scripts/setup.sh does), or set DRYDOCK_POSTGRES_BIN.');
}

/** The user PostgreSQL runs as: ourselves, or `postgres` when we are root. */
export function postgresRunAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new PostgresError('running as root, and there is no `postgres` user to run PostgreSQL as (Debian\'s postgresql package creates it)');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Makes the cluster with initdb unless the folder already holds one. */
export function initPostgresCluster(cluster: PostgresCluster): void {
  if (existsSync(join(cluster.dataDir, 'PG_VERSION'))) return;
  mkdirSync(cluster.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(dirname(cluster.dataDir), '.initdb-pw');
  writeFileSync(pwfile, `${cluster.password}\n`, { mode: 0o600 });
  if (cluster.runAs) {
    chownSync(cluster.dataDir, cluster.runAs.uid, cluster.runAs.gid);
    chownSync(pwfile, cluster.runAs.uid, cluster.runAs.gid);
  }
  try {
    const r = spawnSync(join(cluster.binDir, 'initdb'), ['-D', cluster.dataDir, '-U', cluster.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions'], {
      encoding: 'utf8',
      uid: cluster.runAs?.uid,
      gid: cluster.runAs?.gid,
      timeout: 120_000,
    });
    if (r.status !== 0) {
      rmSync(cluster.dataDir, { recursive: true, force: true });
      const hint = cluster.runAs ? ` (it runs as the postgres user: every folder above ${cluster.dataDir} must be searchable by it; /tmp is)` : '';
      throw new PostgresError(`initdb failed in ${cluster.dataDir}${hint}:\n${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

export function postgresArgs(cluster: PostgresCluster): string[] {
  const args = ['-D', cluster.dataDir, '-h', '127.0.0.1', '-p', String(cluster.port), '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'log_min_messages=warning'];
  // Tests only: a crash of the processes still loses nothing (the OS has the writes); only a
  // crash of the machine could, and the cluster is thrown away with the test run anyway.
  if (!cluster.durable) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  return args;
}

export function postgresClientEnv(cluster: PostgresCluster): NodeJS.ProcessEnv {
  return { ...process.env, PGPASSWORD: cluster.password, PGHOST: '127.0.0.1', PGPORT: String(cluster.port), PGUSER: cluster.user };
}

export async function startPostgres(cluster: PostgresCluster, launch: Launcher, logFile: string, timeoutMs = 60_000): Promise<StackProcess> {
  const proc = launch('postgres', join(cluster.binDir, 'postgres'), postgresArgs(cluster), { logFile, uid: cluster.runAs?.uid, gid: cluster.runAs?.gid, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  const exited = new Error('exited');
  try {
    await pollUntil(
      () => {
        if (proc.exited()) throw exited;
        const r = spawnSync(join(cluster.binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(cluster.port), '-d', 'postgres', '-U', cluster.user], { encoding: 'utf8', timeout: 5_000 });
        return r.status === 0 ? true : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `PostgreSQL on 127.0.0.1:${cluster.port}`, isFatal: (err) => err === exited },
    );
  } catch (err) {
    await proc.stop(5_000);
    throw new PostgresError(`PostgreSQL did not start (${err === exited ? 'it exited' : (err as Error).message}):\ncommand: postgres ${postgresArgs(cluster).join(' ')}\noutput:\n${proc.outputTail() || '(none)'}`);
  }
  return proc;
}

/** pg_dump of one database as plain SQL (for checks of what the database holds). */
export function dumpDatabase(cluster: PostgresCluster, database: string): string {
  const r = spawnSync(join(cluster.binDir, 'pg_dump'), ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', cluster.user, '--no-owner', database], {
    encoding: 'utf8',
    env: postgresClientEnv(cluster),
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.status !== 0) throw new PostgresError(`pg_dump ${database} failed: ${r.stderr.trim()}`);
  return r.stdout;
}
