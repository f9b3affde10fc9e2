import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { makeStackCertificates, StackCertificates } from './certificates';
import { pollUntil } from './poll';
import { freePort, tcpPortFree } from './ports';
import { findPostgresBinDir, initPostgresCluster, PostgresCluster, postgresRunAs, startPostgres, dumpDatabase } from './postgres';
import { Launcher, managedLauncher, StackProcess } from './stack-process';
import { cacheDir } from './temporal-cli';

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
export const TEMPORAL_SERVER_RELEASE = 'v1.29.1';
export const NUM_HISTORY_SHARDS = 4;
export const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;
const DB_USER = 'temporal';
const RETENTION = '3 days';

export interface TemporalServerTools {
  serverPath: string;
  sqlToolPath: string;
  /** schema/postgresql/v12 of the server module: temporal/ and visibility/ with versioned/. */
  schemaDir: string;
}

export class TemporalStackError extends Error {
  override name = 'TemporalStackError';
}

/** The binaries scripts/setup.sh builds into the cache (TEMPORAL_SERVER_DIR overrides). */
export function resolveTemporalServerTools(env: NodeJS.ProcessEnv = process.env): TemporalServerTools {
  const dir = env.TEMPORAL_SERVER_DIR ?? join(cacheDir(env), `temporal-server-${TEMPORAL_SERVER_RELEASE}`);
  const tools = { serverPath: join(dir, 'temporal-server'), sqlToolPath: join(dir, 'temporal-sql-tool'), schemaDir: join(dir, 'schema', 'postgresql', 'v12') };
  const missing = Object.values(tools).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new TemporalStackError(`temporal-server ${TEMPORAL_SERVER_RELEASE} is not built: missing ${missing.join(', ')}. Run \`bash scripts/setup.sh\` (it builds it with Go, about 3 minutes the first time), or set TEMPORAL_SERVER_DIR.`);
  }
  return tools;
}

/** Temporal's standalone web UI server, the release the CLI v1.5.1 embeds. */
export const UI_SERVER_RELEASE = 'v2.42.1';

/** The ui-server binary scripts/setup.sh builds, when it built (TEMPORAL_UI_SERVER_PATH overrides). */
export function resolveUiServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.TEMPORAL_UI_SERVER_PATH ?? join(cacheDir(env), `temporal-ui-server-${UI_SERVER_RELEASE}`, 'temporal-ui-server');
  return existsSync(path) ? path : undefined;
}

export interface StackPorts {
  /** The web UI's HTTP port. */
  ui?: number;
  postgres: number;
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

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

/** The server's configuration. A template (`enable-template`): the database password comes from
 * the server's environment, so the file holds no secret. */
export function serverConfigYaml(ports: StackPorts, certs: StackCertificates, dynamicConfigPath: string): string {
  const sql = (db: string, conns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "127.0.0.1:${ports.postgres}"
        connectProtocol: "tcp"
        user: "${DB_USER}"
        password: {{ env "DRYDOCK_STACK_DB_PASSWORD" | quote }}
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const rpc = (grpc: number, membership: number, extra = '') => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: "127.0.0.1"${extra}`;
  return `# enable-template
# Written by drydock's stack launcher (src/tools/temporal-stack.ts); docker-compose.yml matches it.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${NUM_HISTORY_SHARDS}
  datastores:
    default:
${sql(DATABASES.temporal, 20)}
    visibility:
${sql(DATABASES.visibility, 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  tls:
    frontend:
      server:
        certFile: "${certs.serverCert}"
        keyFile: "${certs.serverKey}"
        requireClientAuth: true
        clientCaFiles: ["${certs.caCert}"]
      client:
        serverName: "${certs.serverName}"
        rootCaFiles: ["${certs.caCert}"]
    systemWorker:
      certFile: "${certs.serverCert}"
      keyFile: "${certs.serverKey}"
      client:
        serverName: "${certs.serverName}"
        rootCaFiles: ["${certs.caCert}"]
services:
  frontend:
${rpc(ports.frontend, ports.frontendMembership, `\n      httpPort: ${ports.frontendHttp}`)}
  history:
${rpc(ports.history, ports.historyMembership)}
  matching:
${rpc(ports.matching, ports.matchingMembership)}
  worker:
${rpc(ports.worker, ports.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamicConfigPath}"
  pollInterval: "10s"
`;
}

/** The web UI's configuration: it reaches the frontend over mTLS with the client certificate. */
export function uiConfigYaml(ports: StackPorts, certs: StackCertificates, namespace: string, codecEndpoint?: string): string {
  return `# Written by drydock's stack launcher (src/tools/temporal-stack.ts).
temporalGrpcAddress: "127.0.0.1:${ports.frontend}"
host: "127.0.0.1"
port: ${ports.ui}
enableUi: true
defaultNamespace: "${namespace}"
notifyOnNewVersion: false
refreshInterval: 1m
cors:
  allowOrigins: ["http://127.0.0.1:${ports.ui}"]
  cookieInsecure: true
auth:
  enabled: false
tls:
  caFile: "${certs.caCert}"
  certFile: "${certs.clientCert}"
  keyFile: "${certs.clientKey}"
  serverName: "${certs.serverName}"
  enableHostVerification: true
codec:
  endpoint: "${codecEndpoint ?? ''}"
  passAccessToken: false
  # The codec server's token cookie (set at <codec server>/authorize) goes with each call.
  includeCredentials: ${codecEndpoint ? 'true' : 'false'}
`;
}

/** Search attributes readable at once after they are added (the dev server does the same). */
const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;

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
function setUpSchemas(tools: TemporalServerTools, pg: PostgresCluster, stateDir: string): void {
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

export function stackClientTls(state: StackState) {
  return {
    serverNameOverride: state.certificates.serverName,
    serverRootCACertificate: readFileSync(state.certificates.caCert),
    clientCertPair: { crt: readFileSync(state.certificates.clientCert), key: readFileSync(state.certificates.clientKey) },
  };
}

/** Registers the namespace (a real server has none) and our search attributes, idempotently. */
async function registerNamespaceAndAttributes(state: StackState): Promise<boolean> {
  const connection = Connection.lazy({ address: state.address, tls: stackClientTls(state), connectTimeout: 2_000 });
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
