import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { DriverActivities, NodeActivityInput, WorkflowActivities } from '../src/contracts/activities';
import type { NodeStep } from '../src/contracts/deployment';
import { NODE_STEP_ACTIVITIES, type StepResult } from './step-activities';

export type { StepResult } from './step-activities';

type AnyInput = Parameters<DriverActivities[keyof DriverActivities]>[0];
type AnyResult = Awaited<ReturnType<DriverActivities[keyof DriverActivities]>>;

/** Runs one node step through its activity (NODE_STEP_ACTIVITIES). Deterministic: only activity calls. */
export async function runNodeStep(step: NodeStep, input: NodeActivityInput): Promise<StepResult> {
  const entry = NODE_STEP_ACTIVITIES[step];
  // The table pairs each activity with its own input and result (checked where each entry is
  // made), so the call through the union of all activities is sound.
  const activity = proxyActivities<WorkflowActivities>(entry.options)[entry.activity] as (input: AnyInput) => Promise<AnyResult>;
  return entry.report(await activity(entry.input(input)), input);
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
