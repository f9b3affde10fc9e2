import { Client } from '@temporalio/client';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { ActivityDeps, createActivities } from '../activities';
import { clientDataConverter, workerDataConverter } from './codec/data-converter';
import { connectionSettingsFromEnv, tlsOptions, TemporalConnectionSettings } from './config/temporal-connection';
import { segmentTaskQueue } from './contracts/segments';
import { connectTemporal } from './config/open-connection';

/**
 * Builds the drydock worker: one per process, serving the general task queue with every workflow
 * and activity and, for each of its segments, the segment's queue (`<taskQueue>@<segment>`) with
 * the activities (only OOB and switch activities are ever scheduled there). The activities' dependencies (a Temporal client here; the secret resolver, the design
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
  /** Network segments whose queues this worker serves too (`drydock worker --segments`). */
  segments?: string[];
  /** Serve the general queue (default true); false: a segment-only worker. */
  general?: boolean;
}

export interface DrydockWorker {
  /** The general queue's worker (the first segment's for a segment-only worker). */
  worker: Worker;
  /** Every worker of this process: the general queue's and one per segment. */
  workers: Worker[];
  /** Runs every worker until all have shut down (SIGINT/SIGTERM shut them all down). */
  run: () => Promise<void>;
  connection: NativeConnection;
  /** Closes what the worker opened (connections), after `worker.run()` has returned. */
  close: () => Promise<void>;
}

/** The heartbeat throttle interval of every drydock worker (why: where it is used below). */
export const HEARTBEAT_THROTTLE = '2s';

export async function createDrydockWorker(options: DrydockWorkerOptions = {}): Promise<DrydockWorker> {
  const settings = options.settings ?? connectionSettingsFromEnv();
  const ownsConnection = options.connection === undefined;
  const tls = tlsOptions(settings);
  const connection = options.connection ?? (await NativeConnection.connect({ address: settings.address, tls }));
  // A plain client too: activities use it to name the workflow holding a busy node.
  const clientConnection = await connectTemporal({ address: settings.address, tls });
  // With payload encryption on, a pre-built workflow bundle must have been bundled with
  // FAILURE_CONVERTER_PATH (src/codec/data-converter.ts) for workflow failures to be encoded too.
  const dataConverter = settings.codecKeys ? workerDataConverter(settings.codecKeys) : undefined;
  const client = new Client({ connection: clientConnection, namespace: settings.namespace, dataConverter: settings.codecKeys ? clientDataConverter(settings.codecKeys) : undefined });
  const workflowSource = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  const activities = createActivities({ ...options.activityDeps, client });
  const common = {
    connection,
    namespace: settings.namespace,
    ...(dataConverter ? { dataConverter } : {}),
    activities,
    // Cancellation reaches an activity with its next heartbeat, and a power or boot command
    // waits for its write-ahead record to reach the server (activities/heartbeat-checkpoint.ts),
    // which the SDK holds up to this long: 2 s keeps both short. The cost is at most one
    // heartbeat call per activity per 2 s, and in practice one per keep-alive (5 s).
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
  } satisfies Partial<WorkerOptions>;
  const workers: Worker[] = [];
  if (options.general !== false) {
    workers.push(await Worker.create({ ...common, taskQueue: settings.taskQueue, ...workflowSource, ...options.overrides }));
  }
  for (const segment of options.segments ?? []) {
    // Activities only: no workflow task is ever scheduled on a segment queue.
    workers.push(await Worker.create({ ...common, ...options.overrides, taskQueue: segmentTaskQueue(settings.taskQueue, segment) }));
  }
  if (workers.length === 0) throw new Error('a worker with no general queue needs at least one segment (--segments)');
  const worker = workers[0];
  return {
    worker,
    workers,
    run: async () => {
      // One worker failing stops the others: the process then exits instead of serving half.
      const runs = workers.map((w) =>
        w.run().catch((err: unknown) => {
          for (const other of workers) if (other !== w && other.getState() === 'RUNNING') other.shutdown();
          throw err;
        }),
      );
      const failed = (await Promise.allSettled(runs)).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    connection,
    close: async () => {
      await clientConnection.close();
      if (ownsConnection) await connection.close();
    },
  };
}
