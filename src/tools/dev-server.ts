import { Connection } from '@temporalio/client';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { searchAttributeFlags, SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { pollUntil } from './poll';
import { freePort } from './ports';
import { ManagedProcess, startProcessGroup } from './process-group';
import { resolveTemporalCli, ResolvedTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** Address to bind; always loopback unless the caller says otherwise. */
  ip?: string;
  /** Frontend gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; a free one when omitted. Ignored when headless. */
  uiPort?: number;
  /** No web UI. */
  headless?: boolean;
  /** Persist the server's state in this SQLite file; in memory when omitted. */
  dbFilename?: string;
  /** SQLite pragmas for the file (`--sqlite-pragma`), e.g. `journal_mode=wal`. Default:
   * DEFAULT_SQLITE_PRAGMAS, or DRYDOCK_SQLITE_PRAGMAS (comma-separated; empty for none). */
  sqlitePragmas?: string[];
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for the frontend to answer. 2 cores need far more than the SDK's 5 s. */
  startTimeoutMs?: number;
  cli?: ResolvedTemporalCli;
  log?: (message: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | undefined;
  cli: ResolvedTemporalCli;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export class DevServerStartError extends Error {
  override name = 'DevServerStartError';
}

const DEFAULT_START_TIMEOUT_MS = 120_000;

/**
 * Write-ahead logging with `synchronous=normal`: a commit is an append to the log instead of a
 * rewrite of the database file with an fsync per transaction. The database survives the server or
 * the machine's processes crashing (what the crash-survival tests do); only the last commits can
 * be lost if the machine itself loses power, as with any SQLite WAL database.
 */
export const DEFAULT_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export function sqlitePragmasFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env.DRYDOCK_SQLITE_PRAGMAS;
  if (raw === undefined) return undefined;
  return raw.split(',').map((p) => p.trim()).filter(Boolean);
}

export function devServerArgs(opts: { ip: string; port: number; uiPort?: number; dbFilename?: string; sqlitePragmas?: string[]; namespace: string; logLevel: string }): string[] {
  const args = [
    'server', 'start-dev',
    '--ip', opts.ip,
    '--port', String(opts.port),
    '--namespace', opts.namespace,
    '--log-level', opts.logLevel,
  ];
  if (opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-ip', opts.ip, '--ui-port', String(opts.uiPort));
  if (opts.dbFilename) {
    args.push('--db-filename', opts.dbFilename);
    for (const pragma of opts.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  }
  for (const flag of searchAttributeFlags()) args.push('--search-attribute', flag);
  return args;
}

/** Starts `temporal server start-dev` and resolves once its frontend answers and our search
 * attributes are registered. Throws DevServerStartError with the server's output otherwise. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const cli = options.cli ?? (await resolveTemporalCli({ log: options.log }));
  const port = options.port ?? (await freePort(ip));
  const uiPort = options.headless ? undefined : (options.uiPort ?? (await freePort(ip)));
  if (options.dbFilename) mkdirSync(dirname(options.dbFilename), { recursive: true });

  const sqlitePragmas = options.sqlitePragmas ?? sqlitePragmasFromEnv() ?? DEFAULT_SQLITE_PRAGMAS;
  const args = devServerArgs({ ip, port, uiPort, dbFilename: options.dbFilename, sqlitePragmas, namespace, logLevel: options.logLevel ?? 'warn' });
  const proc = startProcessGroup('temporal', cli.path, args);
  const address = `${ip}:${port}`;
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  try {
    await pollUntil(
      async () => {
        if (proc.exited()) throw new DevServerStartError(`the Temporal dev server exited during start-up`);
        // lazy + close in finally: a failed Connection.connect would leave its channel open.
        const connection = Connection.lazy({ address, connectTimeout: 2_000 });
        try {
          await connection.ensureConnected();
          await connection.workflowService.describeNamespace({ namespace });
          const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
          const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in (customAttributes ?? {})));
          return missing.length === 0 ? true : undefined;
        } finally {
          await connection.close();
        }
      },
      { timeoutMs, intervalMs: 250, what: `the Temporal dev server at ${address}`, isFatal: (err) => err instanceof DevServerStartError },
    );
  } catch (err) {
    await proc.stop();
    const reason = err instanceof Error ? err.message : String(err);
    throw new DevServerStartError(
      `${reason}\ncommand: ${cli.path} ${args.join(' ')}\nserver output:\n${proc.outputTail() || '(none)'}`,
    );
  }

  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    cli,
    process: proc,
    stop: () => proc.stop(15_000),
  };
}
