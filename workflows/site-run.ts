/**
 * The state of a site run: what signals, updates and queries read and change. The site
 * workflow's steps, its control handlers (./site-control) and the node scheduler act on the
 * same `SiteRun`.
 */
import { CancellationScope, upsertSearchAttributes, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { CarriedState, DesignRef, ProgressQueryOptions, SiteAction, SiteActionInput, SiteActionResult, SiteProgress } from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import type { laneWorkflow } from './lane';
import type { nodeWorkflow } from './node';
import type { NodeRun, RunningNode } from './node-run';
import { pageNodes } from './progress';
import { siteResult } from './results';

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
