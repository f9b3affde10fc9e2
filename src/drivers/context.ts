/**
 * What a driver action gets from whoever runs it (an activity, or the CLI's troubleshooting
 * commands). Drivers never import @temporalio/activity: the activity adapter builds this.
 */
export interface ActionContext {
  /** Aborted when the action is cancelled (workflow abort, activity timeout, worker shutdown).
   * Pass it to every request and child process. */
  signal: AbortSignal;
  /** Records progress; in an activity this is a Temporal heartbeat. Details must be JSON and
   * credential-free: they land in workflow history. */
  heartbeat(details?: unknown): void;
  /** The details of the last heartbeat of the previous attempt, to resume from after a retry. */
  resumeFrom?: unknown;
  /** The workflow the action runs for, when it runs in one (for prompts that tell a person how
   * to answer, e.g. `drydock confirm <workflow-id>`). */
  workflowId?: string;
  log(message: string, fields?: Record<string, unknown>): void;
}

/** A context for running an action outside Temporal (CLI troubleshooting, tests). */
export function standaloneContext(options: { signal?: AbortSignal; log?: (message: string) => void; resumeFrom?: unknown } = {}): ActionContext & { heartbeats: unknown[] } {
  const heartbeats: unknown[] = [];
  return {
    signal: options.signal ?? new AbortController().signal,
    heartbeat: (details) => void heartbeats.push(details),
    heartbeats,
    resumeFrom: options.resumeFrom,
    log: (message) => options.log?.(message),
  };
}

export type { ActionOutcome, ServiceCheck } from '../contracts/driver-results';
