import { AxiosResponse } from 'axios';
import { setTimeout as sleep } from 'node:timers/promises';
import { DriverError } from '../errors';
import { redfishMessage } from './redfish-errors';

/** Task states after which a task monitor stops (DSP0268 Task.TaskState). */
const TASK_DONE = new Set(['Completed', 'Exception', 'Killed', 'Cancelled', 'Interrupted']);

/** What a write led to: done now, or a vendor job that runs at the next reboot (Dell). */
export interface WriteResult {
  response: AxiosResponse;
  /** A 202 whose Location is a job the BMC runs at the next reboot (iDRAC JobState Scheduled). */
  pendingJob?: { id: string; path: string; state: string };
  /** A 202 whose Location was a Redfish task monitor, followed to its end. */
  task?: { path: string; state: string };
}

/** What following a task monitor needs from the connection's settings. */
export interface TaskMonitorSettings {
  node: string;
  baseUrl: string;
  taskTimeoutMs: number;
  pollIntervalMs: number;
  signal: AbortSignal;
}

/**
 * Polls the monitor (same-origin path of a 202's Location) with `poll` (a GET that allows 202)
 * until its Task ends or `taskTimeoutMs` passes (BmcTimeout); a task that ends in Exception or
 * Killed is OperationFailed. An iDRAC job (JobState, no TaskState) that is Scheduled runs at the
 * next reboot: it is returned as pending, not waited for.
 */
export async function followTaskMonitor(
  poll: (monitor: string) => Promise<AxiosResponse>,
  settings: TaskMonitorSettings,
  method: string,
  path: string,
  monitor: string,
  response: AxiosResponse,
): Promise<WriteResult> {
  const deadline = Date.now() + settings.taskTimeoutMs;
  for (;;) {
    const polled = await poll(monitor);
    const body = polled.data !== null && typeof polled.data === 'object' ? (polled.data as Record<string, unknown>) : {};
    const jobState = typeof body.JobState === 'string' ? body.JobState : undefined;
    const taskState = typeof body.TaskState === 'string' ? body.TaskState : undefined;
    if (jobState !== undefined && taskState === undefined && /^(Scheduled|New|Scheduling)$/.test(jobState)) {
      return { response, pendingJob: { id: typeof body.Id === 'string' ? body.Id : monitor.split('/').pop() ?? monitor, path: monitor, state: jobState } };
    }
    if (taskState !== undefined && TASK_DONE.has(taskState)) {
      if (taskState !== 'Completed') {
        throw new DriverError('bmc', 'OperationFailed', `node ${settings.node}: ${method} ${path} at ${settings.baseUrl} started the task ${monitor}, which ended ${taskState}${redfishMessage({ error: { '@Message.ExtendedInfo': body.Messages } }, ': ')}`, {
          target: settings.node,
          details: { method, path, task: monitor, taskState },
        });
      }
      return { response, task: { path: monitor, state: taskState } };
    }
    if (jobState === 'Completed') return { response, task: { path: monitor, state: jobState } };
    if (polled.status !== 202 && taskState === undefined && jobState === undefined) return { response, task: { path: monitor, state: 'Completed' } };
    if (Date.now() >= deadline) {
      throw new DriverError('bmc', 'Timeout', `node ${settings.node}: the task ${monitor} started by ${method} ${path} at ${settings.baseUrl} had not ended after ${Math.round(settings.taskTimeoutMs / 1000)} s (state ${taskState ?? jobState ?? 'unknown'})`, {
        target: settings.node,
        details: { method, path, task: monitor, state: taskState ?? jobState ?? null },
      });
    }
    await sleep(Math.min(settings.pollIntervalMs, Math.max(0, deadline - Date.now())), undefined, { signal: settings.signal });
  }
}
