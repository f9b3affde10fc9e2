import { DrydockClient } from '../client';
import { ConnectionFlags, settingsFromFlags } from './connection-options';
import { CliExit, EXIT } from './exit-codes';

/** Connects the CLI to Temporal, turning an unreachable server into exit code 3. */
export async function connectForCli(flags: ConnectionFlags): Promise<DrydockClient> {
  const settings = settingsFromFlags(flags);
  try {
    return await DrydockClient.connect(settings);
  } catch (err) {
    throw new CliExit(
      EXIT.unreachable,
      `cannot reach Temporal at ${settings.address} (namespace ${settings.namespace}): ${err instanceof Error ? err.message : String(err)}\n` +
        'Set TEMPORAL_ADDRESS (or --address) to your Temporal frontend; `npm run demo -- --keep` starts a local one.',
    );
  }
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
