import { msToTs } from '@temporalio/common/lib/time';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { makeStackCertificates, StackCertificates } from './certificates';
import { pollUntil } from './poll';
import { freePort, tcpPortFree } from './ports';
import { findPostgresBinDir, initPostgresCluster, PostgresCluster, postgresRunAs, startPostgres, dumpDatabase } from './postgres';
import { Launcher, managedLauncher, StackProcess } from './stack-process';
import { DB_USER, DATABASES, DYNAMIC_CONFIG, NUM_HISTORY_SHARDS, serverConfigYaml, StackPorts, uiConfigYaml } from './temporal-stack-config';
import { setUpSchemas } from './temporal-stack-schema';
import { resolveTemporalServerTools, resolveUiServer, TEMPORAL_SERVER_RELEASE, TemporalStackError, UI_SERVER_RELEASE } from './temporal-stack-tools';
import { lazyTemporal } from '../config/open-connection';

const RETENTION = '3 days';

/** What the state folder's stack.json keeps between `up`, `status` and `down`. */
export interface StackState {
  stateDir: string;
  address: string;
  namespace: string;
  ports: StackPorts;
  certificates: StackCertificates;
  /** Environment for drydock processes (TEMPORAL_ADDRESS, TEMPORAL_TLS_*). */
  clientEnv: Record<string, string>;
  /** The web UI, when ui-server is built. */
  uiUrl?: string;
  pids?: { postgres?: number; temporal?: number; ui?: number };
}

export interface TemporalStackOptions {
  stateDir: string;
  namespace?: string;
  /** managed (default): stopped with this process; detached: outlives it (`drydock stack up`). */
  launcher?: Launcher;
  /** fsync off, for tests: survives process crashes, not machine crashes. */
  durable?: boolean;
  startTimeoutMs?: number;
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Start the web UI (default: when ui-server is built). */
  ui?: boolean;
  /** The codec server the UI's pages call (the browser calls it, not the UI server). */
  codecEndpoint?: string;
}

export interface TemporalStack {
  state: StackState;
  postgres: PostgresCluster;
  serverProcess(): StackProcess;
  postgresProcess(): StackProcess;
  /** Starts temporal-server again (after a crash the caller caused) and waits for it. */
  restartServer(): Promise<void>;
  /** Stops PostgreSQL (fast shutdown) and starts it again on the same port. */
  restartPostgres(): Promise<void>;
  /** Plain SQL dumps of both databases. */
  dump(): string;
  stop(): Promise<void>;
}

function stateFile(stateDir: string): string {
  return join(stateDir, 'stack.json');
}

export function readStackState(stateDir: string): StackState | undefined {
  const file = stateFile(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackState) : undefined;
}

function writeStackState(state: StackState): void {
  writeFileSync(stateFile(state.stateDir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** The SQL persistence stores membership ports as smallint (cluster_membership.rpc_port): a
 * membership port above 32767 makes the server exit at start. The kernel hands out ports from
 * 32768 up, so these are drawn from below, and checked free. */
async function freeMembershipPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + randomInt(12_000);
    if (!taken.has(port) && (await tcpPortFree(port, '127.0.0.1'))) return port;
  }
  throw new TemporalStackError('no free TCP port between 20000 and 32000 on 127.0.0.1 for the server\'s membership');
}

async function choosePorts(): Promise<StackPorts> {
  const names: Array<keyof StackPorts> = ['postgres', 'frontend', 'frontendHttp', 'history', 'matching', 'worker'];
  const ports = {} as StackPorts;
  for (const name of names) ports[name] = await freePort('127.0.0.1');
  const taken = new Set<number>();
  for (const name of ['frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership'] as const) {
    ports[name] = await freeMembershipPort(taken);
    taken.add(ports[name]);
  }
  return ports;
}

export function stackClientTls(state: StackState) {
  return {
    serverNameOverride: state.certificates.serverName,
    serverRootCACertificate: readFileSync(state.certificates.caCert),
    clientCertPair: { crt: readFileSync(state.certificates.clientCert), key: readFileSync(state.certificates.clientKey) },
  };
}

/** Registers the namespace (a real server has none) and our search attributes, idempotently. */
async function registerNamespaceAndAttributes(state: StackState): Promise<boolean> {
  const connection = lazyTemporal({ address: state.address, tls: stackClientTls(state), connectTimeout: 2_000 });
  try {
    await connection.ensureConnected();
    try {
      await connection.workflowService.describeNamespace({ namespace: state.namespace });
    } catch {
      try {
        await connection.workflowService.registerNamespace({ namespace: state.namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) });
      } catch (err) {
        if (!/already exists/i.test((err as Error).message)) throw err;
      }
      return false;
    }
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: state.namespace });
    const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in (customAttributes ?? {})));
    if (missing.length === 0) return true;
    // 2 = INDEXED_VALUE_TYPE_KEYWORD
    await connection.operatorService.addSearchAttributes({ namespace: state.namespace, searchAttributes: Object.fromEntries(missing.map((n) => [n, 2])) });
    return false;
  } finally {
    await connection.close();
  }
}

/**
 * The production Temporal stack on one machine: a PostgreSQL cluster, the temporal and
 * visibility schemas made with temporal-sql-tool, and `temporal-server` (frontend, history,
 * matching and worker services in one process) with NUM_HISTORY_SHARDS history shards and a
 * frontend that requires client certificates. Everything listens on 127.0.0.1, on free ports
 * chosen once and kept in the state folder, so a stack started again has the same address.
 *
 * Used by `drydock stack up|down|status` and the tests of the production stack; docker-compose.yml
 * runs the same configuration in containers.
 */
export async function startTemporalStack(options: TemporalStackOptions): Promise<TemporalStack> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const launch = options.launcher ?? managedLauncher;
  const timeoutMs = options.startTimeoutMs ?? 180_000;
  const tools = resolveTemporalServerTools(env);
  const stateDir = options.stateDir;
  // Searchable but not listable by others: PostgreSQL, running as its own user, must reach its
  // data folder inside; the secrets here (key files, the database password) are 0600.
  mkdirSync(stateDir, { recursive: true });
  chmodSync(stateDir, 0o711);
  mkdirSync(join(stateDir, 'config'), { recursive: true, mode: 0o700 });
  mkdirSync(join(stateDir, 'logs'), { recursive: true, mode: 0o700 });

  const previous = readStackState(stateDir);
  const ports = previous?.ports ?? (await choosePorts());
  const certificates = makeStackCertificates(join(stateDir, 'certs'));
  const passwordFile = join(stateDir, 'db-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const postgres: PostgresCluster = {
    binDir: findPostgresBinDir(env),
    dataDir: join(stateDir, 'pgdata'),
    port: ports.postgres,
    user: DB_USER,
    password: readFileSync(passwordFile, 'utf8').trim(),
    durable: options.durable ?? true,
    runAs: postgresRunAs(),
  };
  const namespace = options.namespace ?? previous?.namespace ?? 'default';
  const address = `127.0.0.1:${ports.frontend}`;
  const state: StackState = {
    stateDir,
    address,
    namespace,
    ports,
    certificates,
    clientEnv: {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TLS_CERT: certificates.clientCert,
      TEMPORAL_TLS_KEY: certificates.clientKey,
      TEMPORAL_TLS_CA: certificates.caCert,
      TEMPORAL_TLS_SERVER_NAME: certificates.serverName,
    },
  };
  writeFileSync(join(stateDir, 'config', 'drydock.yaml'), serverConfigYaml(ports, certificates, join(stateDir, 'config', 'dynamicconfig.yaml')));
  writeFileSync(join(stateDir, 'config', 'dynamicconfig.yaml'), DYNAMIC_CONFIG);

  let started = Date.now();
  initPostgresCluster(postgres);
  let pgProc = await startPostgres(postgres, launch, join(stateDir, 'logs', 'postgres.log'));
  log(`PostgreSQL on 127.0.0.1:${ports.postgres} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  let serverProc: StackProcess | undefined;
  let uiProc: StackProcess | undefined;
  try {
    started = Date.now();
    setUpSchemas(tools, postgres, stateDir);
    log(`schemas ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    const startServer = async (): Promise<StackProcess> => {
      const args = ['--root', stateDir, '--config', 'config', '--env', 'drydock', '--allow-no-auth', 'start'];
      const proc = launch('temporal-server', tools.serverPath, args, { logFile: join(stateDir, 'logs', 'temporal-server.log'), env: { ...process.env, DRYDOCK_STACK_DB_PASSWORD: postgres.password } });
      const exited = new Error('exited');
      try {
        await pollUntil(
          async () => {
            if (proc.exited()) throw exited;
            return (await registerNamespaceAndAttributes(state)) ? true : undefined;
          },
          { timeoutMs, intervalMs: 500, what: `temporal-server at ${address}`, isFatal: (err) => err === exited },
        );
      } catch (err) {
        await proc.stop(5_000);
        throw new TemporalStackError(`temporal-server did not start (${err === exited ? 'it exited' : (err as Error).message}):\ncommand: ${tools.serverPath} ${args.join(' ')}\noutput:\n${proc.outputTail() || '(none)'}`);
      }
      return proc;
    };
    started = Date.now();
    serverProc = await startServer();
    log(`temporal-server ${TEMPORAL_SERVER_RELEASE} at ${address} (mTLS, ${NUM_HISTORY_SHARDS} history shards, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const uiPath = options.ui === false ? undefined : resolveUiServer(env);
    if (options.ui === true && !uiPath) throw new TemporalStackError(`ui-server ${UI_SERVER_RELEASE} is not built; run \`bash scripts/setup.sh\` (or start the stack without the UI)`);
    if (uiPath) {
      ports.ui ??= await freePort('127.0.0.1');
      mkdirSync(join(stateDir, 'config', 'ui'), { recursive: true, mode: 0o700 });
      writeFileSync(join(stateDir, 'config', 'ui', 'drydock.yaml'), uiConfigYaml(ports, certificates, namespace, options.codecEndpoint));
      const uiUrl = `http://127.0.0.1:${ports.ui}`;
      const uiArgs = ['--root', stateDir, '--config', 'config/ui', '--env', 'drydock', 'start'];
      uiProc = launch('temporal-ui-server', uiPath, uiArgs, { logFile: join(stateDir, 'logs', 'ui-server.log') });
      const exited = new Error('exited');
      try {
        // The UI's own API answers only once it has reached the frontend over mTLS.
        await pollUntil(
          async () => {
            if (uiProc?.exited()) throw exited;
            const res = await fetch(`${uiUrl}/api/v1/namespaces/${namespace}`, { signal: AbortSignal.timeout(3_000) });
            return res.ok ? true : undefined;
          },
          { timeoutMs, intervalMs: 300, what: `the web UI at ${uiUrl}`, isFatal: (err) => err === exited },
        );
      } catch (err) {
        await uiProc.stop(5_000);
        throw new TemporalStackError(`ui-server did not start (${err === exited ? 'it exited' : (err as Error).message}):\ncommand: ${uiPath} ${uiArgs.join(' ')}\noutput:\n${uiProc.outputTail() || '(none)'}`);
      }
      state.uiUrl = uiUrl;
      log(`web UI ${UI_SERVER_RELEASE} at ${uiUrl} (mTLS to the frontend${options.codecEndpoint ? `, codec ${options.codecEndpoint}` : ''})`);
    }
    state.pids = { postgres: pgProc.pid, temporal: serverProc.pid, ui: uiProc?.pid };
    writeStackState(state);

    const stack: TemporalStack = {
      state,
      postgres,
      serverProcess: () => serverProc as StackProcess,
      postgresProcess: () => pgProc,
      async restartServer() {
        await serverProc?.stop(10_000);
        serverProc = await startServer();
        state.pids = { postgres: pgProc.pid, temporal: serverProc.pid, ui: uiProc?.pid };
        writeStackState(state);
      },
      async restartPostgres() {
        // SIGINT is PostgreSQL's fast shutdown: open transactions are rolled back, clients cut off.
        pgProc.signal('SIGINT');
        await pgProc.stop(30_000);
        pgProc = await startPostgres(postgres, launch, join(stateDir, 'logs', 'postgres.log'));
        state.pids = { postgres: pgProc.pid, temporal: serverProc?.pid, ui: uiProc?.pid };
        writeStackState(state);
      },
      dump: () => `${dumpDatabase(postgres, DATABASES.temporal)}\n${dumpDatabase(postgres, DATABASES.visibility)}`,
      async stop() {
        await uiProc?.stop(5_000);
        await serverProc?.stop(15_000);
        pgProc.signal('SIGINT');
        await pgProc.stop(30_000);
        state.pids = {};
        writeStackState(state);
      },
    };
    return stack;
  } catch (err) {
    await uiProc?.stop(5_000);
    await serverProc?.stop(5_000);
    await pgProc.stop(10_000);
    throw err;
  }
}
