import { isGrpcServiceError } from '@temporalio/client';
import { DrydockClient } from '../client';
import { ConnectionSettingsError, tlsOptions } from '../config/temporal-connection';
import { ConnectionFlags, settingsFromFlags } from './connection-options';
import { CliExit, EXIT } from './exit-codes';

/** gRPC status NOT_FOUND (google.rpc.Code 5). */
const GRPC_NOT_FOUND = 5;

/** `host:port`, `[IPv6]:port`; the port 1-65535. What Temporal's Connection takes. */
export function checkTemporalAddress(address: string): string {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(address);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw new CliExit(EXIT.badInput, `the Temporal address ${JSON.stringify(address)} (--address or TEMPORAL_ADDRESS) is not host:port, e.g. 127.0.0.1:7233`);
  }
  return address;
}

/**
 * Connects the CLI to Temporal: a malformed address, an unreadable TLS file or an unknown
 * namespace is bad input (exit 2); a server that cannot be reached exits 3.
 */
export async function connectForCli(flags: ConnectionFlags): Promise<DrydockClient> {
  const settings = settingsFromFlags(flags);
  checkTemporalAddress(settings.address);
  try {
    tlsOptions(settings); // reads the PEM files: unreadable ones are the operator's input
  } catch (err) {
    if (err instanceof ConnectionSettingsError) throw new CliExit(EXIT.badInput, err.message);
    throw err;
  }
  let client: DrydockClient;
  try {
    client = await DrydockClient.connect(settings);
  } catch (err) {
    throw new CliExit(
      EXIT.unreachable,
      `cannot reach Temporal at ${settings.address} (namespace ${settings.namespace}): ${err instanceof Error ? err.message : String(err)}\n` +
        'Set TEMPORAL_ADDRESS (or --address) to your Temporal frontend; `npm run demo -- --keep` starts a local one.',
    );
  }
  try {
    await client.client.workflowService.describeNamespace({ namespace: settings.namespace });
  } catch (err) {
    if (isGrpcServiceError(err) && Number(err.code) === GRPC_NOT_FOUND) {
      await client.close();
      throw new CliExit(EXIT.badInput, `Temporal at ${settings.address} has no namespace ${settings.namespace} (--namespace or TEMPORAL_NAMESPACE)`);
    }
    // Anything else (e.g. no permission to describe namespaces) is left to the command itself.
  }
  return client;
}

/** Runs `fn` with a connected client and always closes it. */
export async function withClient<T>(flags: ConnectionFlags, fn: (client: DrydockClient) => Promise<T>): Promise<T> {
  const client = await connectForCli(flags);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
