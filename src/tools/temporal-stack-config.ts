import type { StackCertificates } from './certificates';

/** How many history shards the stack's persistence is made with (fixed once a database exists). */
export const NUM_HISTORY_SHARDS = 4;
export const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;
/** The database role the server connects as. */
export const DB_USER = 'temporal';

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

/**
 * The server's dynamic config. Search attributes readable at once after they are added: the
 * stack registers ours through the operator API after the server starts, so the cache must not
 * serve a list from before (the dev server gets them as flags at start and runs without it).
 * Eager activity execution as on the dev server: a workflow task that schedules an activity takes
 * it back with its completion when the worker has a free slot, saving a poll and its queue time
 * (the bench on this stack measured 115 ms of activity queue time without it; issue 14).
 */
export const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
system.enableActivityEagerExecution:
  - value: true
`;
