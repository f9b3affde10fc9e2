import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { connectionSettingsFromEnv, tlsOptions, TemporalConnectionSettings } from './config/temporal-connection';

/**
 * Builds the drydock worker: one per process, serving one task queue with every workflow and
 * activity. Driver clients are built here, once, and injected into the activities.
 */
export interface DrydockWorkerOptions {
  settings?: TemporalConnectionSettings;
  /** A pre-built workflow bundle; when omitted the workflows are bundled from source. */
  workflowBundlePath?: string;
  connection?: NativeConnection;
  overrides?: Partial<WorkerOptions>;
}

export async function createDrydockWorker(options: DrydockWorkerOptions = {}): Promise<{ worker: Worker; connection: NativeConnection; ownsConnection: boolean }> {
  const settings = options.settings ?? connectionSettingsFromEnv();
  const ownsConnection = options.connection === undefined;
  const connection = options.connection ?? (await NativeConnection.connect({ address: settings.address, tls: tlsOptions(settings) }));
  const workflowSource = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    ...workflowSource,
    activities: createActivities(),
    ...options.overrides,
  });
  return { worker, connection, ownsConnection };
}
