/**
 * A site run's control: the state that signals, updates and queries read and change, and the
 * handlers that do it. The site workflow's steps and the node scheduler act on the same `SiteRun`.
 */
import { CancellationScope, condition, setHandler, upsertSearchAttributes, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import { abortLaneSignal, abortUpdate, closeSignal, confirmSignal, pauseSignal, progressQuery, resumeSignal, retryFailedUpdate } from '../src/contracts/control';
import type { CarriedState, DesignRef, ProgressQueryOptions, SiteAction, SiteActionInput, SiteActionResult, SiteProgress } from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import type { laneWorkflow } from './lane';
import type { nodeWorkflow } from './node';
import { ABORTED_MESSAGE, type NodeRun, type RunningNode } from './node-run';
import { pageNodes } from './progress';
import { siteResult } from './results';

export type { RunningNode } from './node-run';

/** A lane workflow of this run: its nodes until its result is in. */
export interface RunningLane {
  workflowId: string;
  nodes: string[];
  handle?: ChildWorkflowHandle<typeof laneWorkflow>;
  done: boolean;
}

const freshState = (): CarriedState => ({ siteName: '', designHash: '', siteSteps: [], results: [], queue: [], findings: [], paused: false, retries: 0, runs: 0 });

/** The state of one site run (one workflow run: a continue-as-new carries `state` over). */
export class SiteRun implements NodeRun {
  readonly state: CarriedState;
  phase: SiteProgress['phase'];
  aborted = false;
  closed = false;
  retryRequested = false;
  /** Bumped on every event the node scheduler must react to. */
  version = 0;
  readonly running = new Map<string, RunningNode>();
  readonly racks = new Map<string, string | undefined>();
  finalResult: SiteActionResult | undefined;
  /** Node work runs in here, so an abort cancels all of it at once. */
  readonly nodesScope = new CancellationScope();
  /** Lane workflows of this run (runs larger than the lane size), by workflow id. */
  readonly lanes = new Map<string, RunningLane>();
  /** The lane holding each lane-held node (until its lane's result is in). */
  readonly laneOf = new Map<string, RunningLane>();
  readonly siteWorkflowId = workflowInfo().workflowId;

  constructor(
    readonly action: SiteAction,
    readonly input: SiteActionInput,
  ) {
    this.state = input.carried ?? freshState();
    this.phase = input.carried ? 'nodes' : 'loading-design';
  }

  get design(): DesignRef {
    return this.input.design;
  }

  get limits(): NonNullable<SiteActionInput['options']> {
    return this.input.options ?? {};
  }

  bump(): void {
    this.version++;
  }

  result(): SiteActionResult {
    return siteResult(this.action, this.state, this.aborted);
  }

  /** Enters a phase and says so in the search attributes (with the result, when given). */
  enterPhase(phase: SiteProgress['phase'], result?: string): void {
    this.phase = phase;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.DrydockPhase, value: phase }, ...(result === undefined ? [] : [{ key: SEARCH_ATTRIBUTES.DrydockResult, value: result }])]);
  }

  /** The node workflows and lane workflows this run parents now, for passing on control. */
  childHandles(): Array<ChildWorkflowHandle<typeof nodeWorkflow | typeof laneWorkflow>> {
    return [...[...this.running.values()].flatMap((r) => (r.handle ? [r.handle] : [])), ...this.unfinishedLanes().flatMap((l) => (l.handle ? [l.handle] : []))];
  }

  unfinishedLanes(): RunningLane[] {
    return [...this.lanes.values()].filter((l) => !l.done);
  }

  progress(options?: ProgressQueryOptions): SiteProgress {
    const { action, state } = this;
    const page = pageNodes({ action, results: state.results, running: [...this.running.values()].map((r) => r.progress), queue: state.queue }, options);
    const inLanes = this.laneOf.size;
    return {
      action,
      site: state.siteName || undefined,
      phase: this.phase,
      paused: state.paused,
      siteSteps: state.siteSteps,
      ...page,
      counts: { ...page.counts, total: page.counts.total + inLanes, running: page.counts.running + inLanes },
      ...(this.lanes.size > 0 ? { lanes: [...this.lanes.values()].map((l) => ({ workflowId: l.workflowId, nodes: l.nodes.length, done: l.done })) } : {}),
      result: this.finalResult,
    };
  }
}

/** Answers the progress query and the operators' signals and updates for this run. */
export function acceptControl(run: SiteRun): void {
  setHandler(progressQuery, (options) => run.progress(options));
  setHandler(pauseSignal, async () => {
    run.state.paused = true;
    run.bump();
    await Promise.all(run.childHandles().map((h) => h.signal(pauseSignal)));
  });
  setHandler(resumeSignal, async () => {
    run.state.paused = false;
    run.bump();
    await Promise.all(run.childHandles().map((h) => h.signal(resumeSignal)));
  });
  setHandler(confirmSignal, async ({ node }) => {
    const child = run.running.get(node)?.handle ?? run.laneOf.get(node)?.handle;
    if (child) await child.signal(confirmSignal, { node });
  });
  setHandler(closeSignal, () => {
    run.closed = true;
    run.bump();
  });
  setHandler(abortUpdate, abort(run), { validator: () => void (run.phase === 'done' || run.phase === 'aborted' ? rejectUpdate('this run has already finished') : undefined) });
  setHandler(retryFailedUpdate, retryFailed(run), {
    validator: () => {
      if (run.phase !== 'awaiting-retry') rejectUpdate(`retryFailed is accepted once the run has finished with failed nodes; the run is now in phase "${run.phase}"`);
      if (!run.state.results.some((r) => r.outcome === 'failure')) rejectUpdate('no node failed: there is nothing to retry');
    },
  });
}

const abort = (run: SiteRun) => async (): Promise<string[]> => {
  run.aborted = true;
  const names = [...run.running.keys()];
  const lanes = run.unfinishedLanes();
  run.nodesScope.cancel();
  run.bump();
  if (lanes.length === 0) return names;
  // Lanes end their own node work and return their results: the nodes that were running are
  // those whose results say so.
  await Promise.all(lanes.flatMap((l) => (l.handle ? [l.handle.signal(abortLaneSignal)] : [])));
  await condition(() => lanes.every((l) => l.done));
  const laneNodes = new Set(lanes.flatMap((l) => l.nodes));
  return [...names, ...run.state.results.filter((r) => laneNodes.has(r.node) && r.outcome === 'failure' && r.message === ABORTED_MESSAGE).map((r) => r.node)];
};

const retryFailed = (run: SiteRun) => async (): Promise<string[]> => {
  const { state } = run;
  const failed = state.results.filter((r) => r.outcome === 'failure').map((r) => r.node);
  state.results = state.results.filter((r) => r.outcome !== 'failure');
  state.queue.push(...failed);
  state.retries++;
  run.retryRequested = true;
  run.bump();
  return failed;
};

function rejectUpdate(message: string): never {
  throw new Error(message);
}
