import type { Client } from '@temporalio/client';
import { join } from 'node:path';
import type { TemporalConnectionSettings } from '../../src/config/temporal-connection';
import { segmentTaskQueue } from '../../src/contracts/segments';
import { pollUntil } from '../../src/tools/poll';
import { ManagedProcess, startProcessGroup } from '../../src/tools/process-group';
import { REPO_ROOT } from './paths';

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  env?: Record<string, string>;
  client: Client;
  namespace?: string;
  /** `--segments`: the segment queues it serves too. */
  segments?: string[];
  /** false: `--no-general`, a segment-only worker. */
  general?: boolean;
  /** mTLS files of the server (the production stack), passed as `--tls-*` flags: paths only. */
  tls?: TemporalConnectionSettings['tls'];
  /** The payload codec's key set, as a reference (file:/path or env:NAME), never the keys. */
  codecKeys?: string;
  /** A pre-built workflow bundle (`--workflow-bundle`); with the codec, one bundled with its
   * failure converter (TestStack.workflowBundlePath). Default: the worker bundles at start. */
  workflowBundle?: string;
  /** More `drydock worker` flags. */
  args?: string[];
}

/** The `drydock worker` flags for `options` (no secret: segment names, TLS file paths and a
 * key-set reference). */
export function workerArgs(options: Pick<WorkerProcessOptions, 'segments' | 'general' | 'tls' | 'codecKeys' | 'workflowBundle' | 'args'>): string[] {
  const tls = options.tls;
  const flag = (name: string, value: string | undefined): string[] => (value === undefined ? [] : [name, value]);
  return [
    ...(options.segments?.length ? ['--segments', options.segments.join(',')] : []),
    ...(options.general === false ? ['--no-general'] : []),
    ...flag('--tls-cert', tls?.clientCertPath),
    ...flag('--tls-key', tls?.clientKeyPath),
    ...flag('--tls-ca', tls?.serverRootCaPath),
    ...flag('--tls-server-name', tls?.serverName),
    ...flag('--codec-keys', options.codecKeys),
    ...flag('--workflow-bundle', options.workflowBundle),
    ...(options.args ?? []),
  ];
}

/**
 * A drydock worker in a process of its own (`drydock worker`), so a test can kill it with
 * SIGKILL as a crash would, and start another.
 */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<ManagedProcess> {
  const namespace = options.namespace ?? 'default';
  const proc = startProcessGroup('drydock worker', process.execPath, [join(REPO_ROOT, 'bin', 'drydock.js'), 'worker', '--log-level', 'WARN', ...workerArgs(options)], {
    env: { ...process.env, ...options.env, TEMPORAL_ADDRESS: options.address, DRYDOCK_TASK_QUEUE: options.taskQueue, TEMPORAL_NAMESPACE: namespace },
  });
  // Ready when this process (its identity is pid@host) polls both the workflow and the activity
  // task queue (and each segment's activity queue); the server still lists pollers of a killed
  // worker for a while.
  const identity = workerIdentityPrefix(proc);
  await pollUntil(
    async () => {
      if (proc.exited()) throw new Error(`the worker exited during start-up:\n${proc.outputTail()}`);
      const polling = async (taskQueue: string, taskQueueType: number): Promise<boolean> =>
        ((await options.client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType })).pollers ?? []).some((p) =>
          (p.identity ?? '').startsWith(identity),
        );
      const general = options.general === false || ((await polling(options.taskQueue, 1)) && (await polling(options.taskQueue, 2)));
      const segments = await Promise.all((options.segments ?? []).map((s) => polling(segmentTaskQueue(options.taskQueue, s), 2)));
      return general && segments.every(Boolean) ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `a worker polling ${options.taskQueue}`, isFatal: () => proc.exited() },
  );
  return proc;
}

/** The start of the identity (pid@host) the worker process gives the server. */
export function workerIdentityPrefix(proc: ManagedProcess): string {
  return `${proc.child.pid}@`;
}

/** SIGKILL to the worker's whole process group: no shutdown, no cleanup, like a crash. */
export function crash(proc: ManagedProcess): void {
  process.kill(-(proc.child.pid as number), 'SIGKILL');
}
