import { TimeoutType, type Duration } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { DriverActivities, NodeActivityInput, WorkflowActivities } from '../src/contracts/activities';
import type { NodeStep } from '../src/contracts/deployment';
import { waitingForSegmentMessage } from '../src/contracts/segments';
import { NODE_STEP_ACTIVITIES, type StepResult } from './step-activities';

export type { StepResult } from './step-activities';

type AnyInput = Parameters<DriverActivities[keyof DriverActivities]>[0];
type AnyResult = Awaited<ReturnType<DriverActivities[keyof DriverActivities]>>;

/** Where a segment step's activity runs: the segment's task queue, and how long one schedule
 * waits for a worker there before the node says so (it then schedules again). */
export interface SegmentRoute {
  segment: string;
  taskQueue: string;
  waitTimeout: Duration;
  onWaiting(message: string | undefined): void;
}

/** Runs one node step through its activity (NODE_STEP_ACTIVITIES). Deterministic: only activity calls. */
export async function runNodeStep(step: NodeStep, input: NodeActivityInput, route?: SegmentRoute): Promise<StepResult> {
  const entry = NODE_STEP_ACTIVITIES[step];
  const opts = route ? { ...entry.options, taskQueue: route.taskQueue, scheduleToStartTimeout: route.waitTimeout } : entry.options;
  // The table pairs each activity with its own input and result (checked where each entry is
  // made), so the call through the union of all activities is sound.
  const activity = proxyActivities<WorkflowActivities>(opts)[entry.activity] as (input: AnyInput) => Promise<AnyResult>;
  for (;;) {
    try {
      const result = await activity(entry.input(input));
      route?.onWaiting(undefined);
      return entry.report(result, input);
    } catch (err) {
      // No worker took it in time: not a failure of the node, only of the topology. Say so and
      // schedule again (the server does not retry schedule-to-start timeouts itself).
      if (!route || !isScheduleToStartTimeout(err)) throw err;
      route.onWaiting(waitingForSegmentMessage(route.segment));
    }
  }
}

function isScheduleToStartTimeout(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
}

/** A one-line, credential-free description of why a step failed, and its error type. */
export function describeFailure(err: unknown): { message: string; type?: string } {
  let cause: unknown = err;
  if (err instanceof ActivityFailure && err.cause) cause = err.cause;
  if (cause instanceof ApplicationFailure) return { message: cause.message, type: cause.type ?? undefined };
  if (cause instanceof TimeoutFailure) return { message: `timed out (${cause.timeoutType})`, type: 'Timeout' };
  if (cause instanceof Error) return { message: cause.message, type: cause.name };
  return { message: String(cause) };
}
