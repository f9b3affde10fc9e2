/** Contract of the stack-check workflow: proves that a worker on a task queue runs workflows
 * and activities against the Temporal server. Clients import this module, never workflow code. */
export const STACK_CHECK_WORKFLOW = 'stackCheck';

export interface StackCheckInput {
  requestedBy: string;
}

export interface WorkerDescription {
  hostname: string;
  pid: number;
  nodeVersion: string;
  sdkVersion: string;
}

export interface StackCheckResult {
  message: string;
  worker: WorkerDescription;
}

/** The activity the stack-check workflow calls. */
export interface StackCheckActivities {
  describeWorker(): Promise<WorkerDescription>;
}
