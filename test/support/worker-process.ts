import type { Client } from '@temporalio/client';
import { join } from 'node:path';
import { pollUntil } from '../../src/tools/poll';
import { ManagedProcess, startProcessGroup } from '../../src/tools/process-group';
import { segmentTaskQueue } from '../../src/contracts/segments';
import { REPO_ROOT } from './paths';

/**
 * A drydock worker in a process of its own (`drydock worker`), so a test can kill it with
 * SIGKILL as a crash would, and start another.
 */
export async function startWorkerProcess(options: {
  address: string;
  taskQueue: string;
  env?: Record<string, string>;
  client: Client;
  namespace?: string;
  /** `--segments`: the segment queues it serves too. */
  segments?: string[];
  /** false: `--no-general`, a segment-only worker. */
  general?: boolean;
}): Promise<ManagedProcess> {
  const segmentArgs = [...(options.segments?.length ? ['--segments', options.segments.join(',')] : []), ...(options.general === false ? ['--no-general'] : [])];
  const proc = startProcessGroup('drydock worker', process.execPath, [join(REPO_ROOT, 'bin', 'drydock.js'), 'worker', '--log-level', 'WARN', ...segmentArgs], {
    env: { ...process.env, ...options.env, TEMPORAL_ADDRESS: options.address, DRYDOCK_TASK_QUEUE: options.taskQueue, TEMPORAL_NAMESPACE: options.namespace ?? 'default' },
  });
  // Ready when this process (its identity is pid@host) polls both the workflow and the activity
  // task queue; the server still lists pollers of a killed worker for a while.
  const identity = `${proc.child.pid}@`;
  await pollUntil(
    async () => {
      if (proc.exited()) throw new Error(`the worker exited during start-up:\n${proc.outputTail()}`);
      const polls = async (taskQueueType: number): Promise<boolean> =>
        ((await options.client.workflowService.describeTaskQueue({ namespace: options.namespace ?? 'default', taskQueue: { name: options.taskQueue }, taskQueueType })).pollers ?? []).some((p) =>
          (p.identity ?? '').startsWith(identity),
        );
      const polling = async (taskQueue: string, taskQueueType: number): Promise<boolean> =>
        ((await options.client.workflowService.describeTaskQueue({ namespace: options.namespace ?? 'default', taskQueue: { name: taskQueue }, taskQueueType })).pollers ?? []).some((p) =>
          (p.identity ?? '').startsWith(identity),
        );
      const general = options.general === false || ((await polls(1)) && (await polls(2)));
      const segments = await Promise.all((options.segments ?? []).map((s) => polling(segmentTaskQueue(options.taskQueue, s), 2)));
      return general && segments.every(Boolean) ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `a worker polling ${options.taskQueue}`, isFatal: () => proc.exited() },
  );
  return proc;
}

/** SIGKILL to the worker's whole process group: no shutdown, no cleanup, like a crash. */
export function crash(proc: ManagedProcess): void {
  process.kill(-(proc.child.pid as number), 'SIGKILL');
}
