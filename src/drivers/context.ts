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
  /** Heartbeats `details` and resolves once the Temporal server holds them (in an activity; see
   * activities/heartbeat-checkpoint.ts): the record written ahead of a command that must take
   * effect once, so a retry after a crash always finds it. Use checkpoint(ctx, details). */
  checkpoint?(details: Record<string, unknown>): Promise<void>;
  /** The details of the last heartbeat of the previous attempt, to resume from after a retry. */
  resumeFrom?: unknown;
  /** The workflow the action runs for, when it runs in one (for prompts that tell a person how
   * to answer, e.g. `drydock confirm <workflow-id>`). */
  workflowId?: string;
  log(message: string, fields?: Record<string, unknown>): void;
}

/** ctx.checkpoint where the context has one (an activity), else a plain heartbeat (outside
 * Temporal there is no retry to read it). */
export async function checkpoint(ctx: ActionContext, details: Record<string, unknown>): Promise<void> {
  if (ctx.checkpoint) await ctx.checkpoint(details);
  else ctx.heartbeat(details);
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
