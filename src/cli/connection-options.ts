import { Command, Option } from 'commander';
import { connectionSettingsFromEnv, TemporalConnectionSettings } from '../config/temporal-connection';

/** Adds the Temporal connection flags to a command; each falls back to its environment variable. */
export function withConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--address <host:port>', 'Temporal frontend address').env('TEMPORAL_ADDRESS'))
    .addOption(new Option('--namespace <name>', 'Temporal namespace').env('TEMPORAL_NAMESPACE'))
    .addOption(new Option('--task-queue <name>', 'task queue of the drydock workers').env('DRYDOCK_TASK_QUEUE'))
    .addOption(new Option('--tls-cert <file>', 'client certificate (PEM) for mTLS').env('TEMPORAL_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'client private key (PEM) for mTLS').env('TEMPORAL_TLS_KEY'))
    .addOption(new Option('--tls-ca <file>', 'CA bundle (PEM) for the server certificate').env('TEMPORAL_TLS_CA'))
    .addOption(new Option('--tls-server-name <name>', 'server name to verify').env('TEMPORAL_TLS_SERVER_NAME'))
    .addOption(new Option('--codec-keys <reference>', 'payload encryption key set: file:/path or env:NAME (never the keys themselves)').env('DRYDOCK_CODEC_KEYS'));
}

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsServerName?: string;
  codecKeys?: string;
}

export function settingsFromFlags(flags: ConnectionFlags): TemporalConnectionSettings {
  const anyTls = flags.tlsCert || flags.tlsKey || flags.tlsCa || flags.tlsServerName;
  return connectionSettingsFromEnv(process.env, {
    address: flags.address,
    namespace: flags.namespace,
    taskQueue: flags.taskQueue,
    codecKeys: flags.codecKeys,
    tls: anyTls
      ? { clientCertPath: flags.tlsCert, clientKeyPath: flags.tlsKey, serverRootCaPath: flags.tlsCa, serverName: flags.tlsServerName }
      : undefined,
  });
}
