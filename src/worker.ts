import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { ActivityDeps, createActivities } from '../activities';
import { clientDataConverter, workerDataConverter } from './codec/data-converter';
import { connectionSettingsFromEnv, tlsOptions, TemporalConnectionSettings } from './config/temporal-connection';

/**
 * Builds the drydock worker: one per process, serving one task queue with every workflow and
 * activity. The activities' dependencies (a Temporal client here; the secret resolver, the design
 * cache and what drivers share in createActivities) are built once and injected; drivers are
 * built from each site's driver configuration on first use and kept per configuration.
 */
export interface DrydockWorkerOptions {
  settings?: TemporalConnectionSettings;
  /** A pre-built workflow bundle; when omitted the workflows are bundled from source. */
  workflowBundlePath?: string;
  connection?: NativeConnection;
  /** Extra activity dependencies (the sim ledger, driver timing for tests). */
  activityDeps?: Omit<ActivityDeps, 'client'>;
  overrides?: Partial<WorkerOptions>;
}

export interface DrydockWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Closes what the worker opened (connections), after `worker.run()` has returned. */
  close: () => Promise<void>;
}

export async function createDrydockWorker(options: DrydockWorkerOptions = {}): Promise<DrydockWorker> {
  const settings = options.settings ?? connectionSettingsFromEnv();
  const ownsConnection = options.connection === undefined;
  const tls = tlsOptions(settings);
  const connection = options.connection ?? (await NativeConnection.connect({ address: settings.address, tls }));
  // A plain client too: activities use it to name the workflow holding a busy node.
  const clientConnection = await Connection.connect({ address: settings.address, tls });
  // With payload encryption on, a pre-built workflow bundle must have been bundled with
  // FAILURE_CONVERTER_PATH (src/codec/data-converter.ts) for workflow failures to be encoded too.
  const dataConverter = settings.codecKeys ? workerDataConverter(settings.codecKeys) : undefined;
  const client = new Client({ connection: clientConnection, namespace: settings.namespace, dataConverter: settings.codecKeys ? clientDataConverter(settings.codecKeys) : undefined });
  const workflowSource = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    ...workflowSource,
    ...(dataConverter ? { dataConverter } : {}),
    activities: createActivities({ ...options.activityDeps, client }),
    // Cancellation reaches an activity with its next heartbeat: throttle heartbeats to at most
    // 10 s apart, so an abort stops a BMC command or a MAAS poll within seconds.
    maxHeartbeatThrottleInterval: '10s',
    defaultHeartbeatThrottleInterval: '10s',
    ...options.overrides,
  });
  return {
    worker,
    connection,
    close: async () => {
      await clientConnection.close();
      if (ownsConnection) await connection.close();
    },
  };
}
