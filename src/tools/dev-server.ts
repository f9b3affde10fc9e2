import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { searchAttributeFlags, SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { pollUntil } from './poll';
import { freePort, tcpPortFree } from './ports';
import { ManagedProcess, startProcessGroup } from './process-group';
import { resolveTemporalCli, ResolvedTemporalCli } from './temporal-cli';
import { lazyTemporal } from '../config/open-connection';

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
  /** `--dynamic-config-value` pairs. Default: DEFAULT_DYNAMIC_CONFIG, or
   * DRYDOCK_DEV_SERVER_DYNAMIC_CONFIG (comma-separated; empty for none). */
  dynamicConfig?: string[];
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for the frontend to answer. 2 cores need far more than the SDK's 5 s. */
  startTimeoutMs?: number;
  cli?: ResolvedTemporalCli;
  /** Progress and retry messages for a person watching (default: stderr). */
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

/**
 * Dynamic configuration of the dev server (`--dynamic-config-value KEY=VALUE`, values in YAML):
 * - `system.forceSearchAttributesCacheRefreshOnRead=false`: the CLI's start-dev sets it to true
 *   (so a search attribute just created is usable at once), which makes every read of a workflow's
 *   search attributes reload the cache; the server's own documentation says never to use it in
 *   production. Our attributes are registered at start-up, before any workflow runs.
 * - `system.enableActivityEagerExecution=true`: an activity scheduled by a workflow task can be
 *   handed straight back to the worker that completes the task (the TypeScript SDK asks for it when
 *   it has a free slot), saving a round trip through the task queue per step.
 * Override with DRYDOCK_DEV_SERVER_DYNAMIC_CONFIG (comma-separated KEY=VALUE; empty for none).
 */
export const DEFAULT_DYNAMIC_CONFIG = ['system.forceSearchAttributesCacheRefreshOnRead=false', 'system.enableActivityEagerExecution=true'];

export function dynamicConfigFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env.DRYDOCK_DEV_SERVER_DYNAMIC_CONFIG;
  if (raw === undefined) return undefined;
  return raw.split(',').map((p) => p.trim()).filter(Boolean);
}

export function devServerArgs(opts: { ip: string; port: number; uiPort?: number; dbFilename?: string; sqlitePragmas?: string[]; dynamicConfig?: string[]; namespace: string; logLevel: string }): string[] {
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
  for (const value of opts.dynamicConfig ?? []) args.push('--dynamic-config-value', value);
  return args;
}

/** How many times the launcher starts the server when it exits during start-up. */
const START_ATTEMPTS = 3;

/** Starts `temporal server start-dev` and resolves once its frontend answers and our search
 * attributes are registered. Throws DevServerStartError with the server's output otherwise.
 *
 * A server that exits during start-up is started again, up to START_ATTEMPTS times, unless a
 * port the caller chose is taken. The CLI picks its internal ports (the services' gRPC and
 * membership ports, the HTTP API) itself, between choosing and binding them another process can
 * take one, and the server then exits; a new attempt picks new ones. Each exit is reported
 * through `log` with the server's first error. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const cli = options.cli ?? (await resolveTemporalCli({ log }));
  if (options.dbFilename) mkdirSync(dirname(options.dbFilename), { recursive: true });
  const failures: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, ip, cli);
    } catch (err) {
      if (!(err instanceof ExitedDuringStartup)) throw err;
      failures.push(`attempt ${attempt}: ${err.message}`);
      const fixedPortTaken = await callerPortTaken(options, ip);
      if (attempt >= START_ATTEMPTS || fixedPortTaken !== undefined) {
        const why = fixedPortTaken === undefined ? '' : `\nport ${fixedPortTaken} on ${ip} is in use by another process; choose another or stop that process`;
        throw new DevServerStartError(`the Temporal dev server exited during start-up (${attempt} attempt(s))${why}\n${failures.join('\n')}`);
      }
      log(`the Temporal dev server exited during start-up (attempt ${attempt} of ${START_ATTEMPTS}: ${err.firstError}); starting it again`);
    }
  }
}

class ExitedDuringStartup extends Error {
  constructor(message: string, readonly firstError: string) {
    super(message);
  }
}

async function callerPortTaken(options: DevServerOptions, ip: string): Promise<number | undefined> {
  for (const port of [options.port, options.headless ? undefined : options.uiPort]) {
    if (port !== undefined && !(await tcpPortFree(port, ip))) return port;
  }
  return undefined;
}

async function startOnce(options: DevServerOptions, ip: string, cli: ResolvedTemporalCli): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort(ip));
  const uiPort = options.headless ? undefined : (options.uiPort ?? (await freePort(ip)));
  const sqlitePragmas = options.sqlitePragmas ?? sqlitePragmasFromEnv() ?? DEFAULT_SQLITE_PRAGMAS;
  const dynamicConfig = options.dynamicConfig ?? dynamicConfigFromEnv() ?? DEFAULT_DYNAMIC_CONFIG;
  const args = devServerArgs({ ip, port, uiPort, dbFilename: options.dbFilename, sqlitePragmas, dynamicConfig, namespace, logLevel: options.logLevel ?? 'warn' });
  const proc = startProcessGroup('temporal', cli.path, args);
  const address = `${ip}:${port}`;
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const exited = new Error('exited');

  try {
    await pollUntil(
      async () => {
        if (proc.exited()) throw exited;
        // lazy + close in finally: a failed Connection.connect would leave its channel open.
        const connection = lazyTemporal({ address, connectTimeout: 2_000 });
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
      { timeoutMs, intervalMs: 250, what: `the Temporal dev server at ${address}`, isFatal: (err) => err === exited },
    );
  } catch (err) {
    await proc.stop();
    const output = proc.outputTail();
    const details = `command: ${cli.path} ${args.join(' ')}\nserver output:\n${output || '(none)'}`;
    if (err === exited) {
      const summary = proc.firstErrorLine() ?? output.split('\n').at(-1) ?? 'no output';
      throw new ExitedDuringStartup(details, summary.trim().slice(0, 300));
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new DevServerStartError(`${reason}\n${details}`);
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
