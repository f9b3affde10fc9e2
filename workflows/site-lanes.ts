/**
 * The site -> lane -> node tree of large runs: the site's queued nodes are split into lanes
 * (whole racks where they fit), each a lane workflow with its share of the parallelism, and the
 * lanes' results become the site's. See `laneWorkflow` (./lane).
 */
import { ChildWorkflowCancellationType, isCancellation, ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import { abortLaneSignal } from '../src/contracts/control';
import { laneWorkflowId, type LaneWorkflowInput } from '../src/contracts/deployment';
import { segmentRouting } from '../src/contracts/segments';
import type { SiteContext } from '../src/contracts/site-context';
import { laneWorkflow } from './lane';
import { type LanePlan, planLanes } from './lane-plan';
import { describeFailure } from './node-steps';
import { skippedResult } from './node-scheduler';
import type { RunningLane, SiteRun } from './site-run';

export const DEFAULT_LANE_SIZE = 500;
const DEFAULT_MAX_PARALLEL = 50;
const DEFAULT_HISTORY_LIMIT = 10_000;
/** History events a node adds to its parent after the parent stops starting nodes (the child's
 * start, end and the workflow tasks around them): a lane stops that much earlier, so that it
 * continues as new below Temporal's 10,240-event warning even with hundreds of nodes in flight. */
const EVENTS_PER_RUNNING_NODE = 8;
/** Runs that predate lanes parent every node themselves, and replay so. */
const LANES_PATCH = 'site-lanes';

/** Whether this round's queue goes to lanes (deterministic: it depends on the queue and the patch). */
export function useLanes(run: SiteRun): boolean {
  const laneSize = run.limits.laneSize ?? DEFAULT_LANE_SIZE;
  return run.state.queue.length > laneSize && patched(LANES_PATCH);
}

function laneHistoryLimit(limit: number, parallel: number): number {
  return Math.max(Math.ceil(limit / 2), limit - parallel * EVENTS_PER_RUNNING_NODE);
}

/** Runs the queued nodes through lane workflows until every lane has returned its results. */
export async function scheduleLanes(run: SiteRun, site: SiteContext): Promise<void> {
  const { state } = run;
  const names = state.queue.splice(0);
  if (run.aborted) {
    for (const name of names) state.results.push(skippedResult(run, name, 'the run was aborted before this node started'));
    return;
  }
  const plan = planLanes(
    names.map((name) => ({ name, rack: run.racks.get(name) })),
    { laneSize: run.limits.laneSize ?? DEFAULT_LANE_SIZE, maxParallel: run.limits.maxParallelNodes ?? DEFAULT_MAX_PARALLEL, maxPerRack: run.limits.maxParallelPerRack },
  );
  const round = `${state.runs}.${state.retries}`;
  await Promise.all(plan.map((lane, i) => runLane(run, site, lane, laneWorkflowId(run.siteWorkflowId, round, i))));
}

async function runLane(run: SiteRun, site: SiteContext, plan: LanePlan, workflowId: string): Promise<void> {
  const { action, state } = run;
  const lane: RunningLane = { workflowId, nodes: plan.nodes.map((n) => n.name), done: false };
  run.lanes.set(workflowId, lane);
  for (const name of lane.nodes) run.laneOf.set(name, lane);
  const input: LaneWorkflowInput = {
    action,
    design: run.design,
    designHash: state.designHash,
    siteName: state.siteName,
    site,
    nodes: plan.nodes,
    maxParallelNodes: plan.maxParallelNodes,
    maxParallelPerRack: plan.maxParallelPerRack,
    historyEventLimit: laneHistoryLimit(run.limits.historyEventLimit ?? DEFAULT_HISTORY_LIMIT, plan.maxParallelNodes),
    compactNodeResults: state.compactNodeResults,
    siteWorkflowId: run.siteWorkflowId,
    startPaused: state.paused,
    ...(run.limits.bootActionTimeout !== undefined ? { bootActionTimeout: run.limits.bootActionTimeout } : {}),
    ...segmentRouting(run.limits),
  };
  try {
    lane.handle = await startChild(laneWorkflow, {
      workflowId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      staticSummary: `${action} ${state.siteName}: lane of ${plan.nodes.length} node(s), ${plan.maxParallelNodes} at a time`,
    });
    // An abort that came while the lane was starting did not reach it.
    if (run.aborted) await lane.handle.signal(abortLaneSignal);
    const { results } = await lane.handle.result();
    state.results.push(...results);
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The lane itself failed (not its nodes, whose failures are results): its nodes have no result.
    const failure = describeFailure(err instanceof Error && err.cause ? err.cause : err);
    for (const n of plan.nodes) state.results.push({ ...skippedResult(run, n.name, ''), outcome: 'failure', message: `lane ${workflowId} failed: ${failure.message}` });
  } finally {
    lane.done = true;
    for (const name of lane.nodes) run.laneOf.delete(name);
    run.bump();
  }
}
