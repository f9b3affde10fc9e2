import { readFileSync } from 'node:fs';

/**
 * How every drydock process (worker, CLI, client library, demo) reaches Temporal.
 * Flags override the environment; the environment overrides the defaults.
 */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: {
    /** PEM files: client certificate and key for mTLS, CA bundle for the server. */
    clientCertPath?: string;
    clientKeyPath?: string;
    serverRootCaPath?: string;
    serverName?: string;
  };
  /** Payload encryption: a reference (file:/path or env:NAME) to the codec key set, see
   * src/codec/keys.ts. Off when undefined. */
  codecKeys?: string;
}

export const DEFAULT_TASK_QUEUE = 'drydock';

export const CONNECTION_ENV_HELP = [
  'TEMPORAL_ADDRESS        host:port of the Temporal frontend (default 127.0.0.1:7233)',
  'TEMPORAL_NAMESPACE      namespace (default "default")',
  'DRYDOCK_TASK_QUEUE      task queue the drydock worker serves (default "drydock")',
  'TEMPORAL_TLS_CERT       client certificate (PEM) for mTLS',
  'TEMPORAL_TLS_KEY        client private key (PEM) for mTLS',
  'TEMPORAL_TLS_CA         CA bundle (PEM) that signed the server certificate',
  'TEMPORAL_TLS_SERVER_NAME  server name to verify, when it differs from the address host',
  'DRYDOCK_CODEC_KEYS      file:/path or env:NAME of the payload encryption key set (off when unset)',
].join('\n');

export function connectionSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<TemporalConnectionSettings> = {}): TemporalConnectionSettings {
  const tlsFiles = {
    clientCertPath: env.TEMPORAL_TLS_CERT || undefined,
    clientKeyPath: env.TEMPORAL_TLS_KEY || undefined,
    serverRootCaPath: env.TEMPORAL_TLS_CA || undefined,
    serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
  };
  const anyTls = Object.values(tlsFiles).some((v) => v !== undefined);
  return {
    address: overrides.address ?? env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: overrides.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: overrides.taskQueue ?? env.DRYDOCK_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    tls: overrides.tls ?? (anyTls ? tlsFiles : undefined),
    codecKeys: overrides.codecKeys ?? (env.DRYDOCK_CODEC_KEYS || undefined),
  };
}

export class ConnectionSettingsError extends Error {
  override name = 'ConnectionSettingsError';
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConnectionSettingsError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The `tls` option for Connection.connect / NativeConnection.connect. */
export function tlsOptions(settings: TemporalConnectionSettings) {
  const tls = settings.tls;
  if (!tls) return undefined;
  if ((tls.clientCertPath === undefined) !== (tls.clientKeyPath === undefined)) {
    throw new ConnectionSettingsError('mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (or --tls-cert and --tls-key)');
  }
  return {
    serverNameOverride: tls.serverName,
    serverRootCACertificate: tls.serverRootCaPath ? readPem(tls.serverRootCaPath, 'CA bundle') : undefined,
    clientCertPair:
      tls.clientCertPath && tls.clientKeyPath
        ? { crt: readPem(tls.clientCertPath, 'client certificate'), key: readPem(tls.clientKeyPath, 'client key') }
        : undefined,
  };
}
