/**
 * A site run's control: the state that signals, updates and queries read and change, and the
 * handlers that do it. The site workflow's steps and the node scheduler act on the same `SiteRun`.
 */
import { CancellationScope, setHandler, upsertSearchAttributes, type ChildWorkflowHandle } from '@temporalio/workflow';
import { abortUpdate, closeSignal, confirmSignal, pauseSignal, progressQuery, resumeSignal, retryFailedUpdate } from '../src/contracts/control';
import type { CarriedState, NodeProgress, SiteAction, SiteActionInput, SiteActionResult, SiteProgress } from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import type { nodeWorkflow } from './node';
import { siteResult } from './results';

export interface RunningNode {
  handle?: ChildWorkflowHandle<typeof nodeWorkflow>;
  progress: NodeProgress;
  rack?: string;
}

const freshState = (): CarriedState => ({ siteName: '', designHash: '', siteSteps: [], results: [], queue: [], findings: [], paused: false, retries: 0, runs: 0 });

/** The state of one site run (one workflow run: a continue-as-new carries `state` over). */
export class SiteRun {
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

  constructor(
    readonly action: SiteAction,
    readonly input: SiteActionInput,
  ) {
    this.state = input.carried ?? freshState();
    this.phase = input.carried ? 'nodes' : 'loading-design';
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

  childHandles(): Array<ChildWorkflowHandle<typeof nodeWorkflow>> {
    return [...this.running.values()].flatMap((r) => (r.handle ? [r.handle] : []));
  }

  progress(): SiteProgress {
    const { action, state } = this;
    const done = state.results;
    const nodes: NodeProgress[] = [
      ...done.map((r): NodeProgress => ({ node: r.node, action, state: r.outcome === 'success' ? 'succeeded' : r.outcome === 'failure' ? 'failed' : 'skipped', steps: r.steps, lastError: r.outcome === 'failure' ? r.message : undefined, workflowId: r.workflowId })),
      ...[...this.running.values()].map((r) => r.progress),
      ...state.queue.map((name): NodeProgress => ({ node: name, action, state: 'pending', steps: [] })),
    ];
    return {
      action,
      site: state.siteName || undefined,
      phase: this.phase,
      paused: state.paused,
      siteSteps: state.siteSteps,
      nodes,
      counts: {
        total: nodes.length,
        pending: state.queue.length,
        running: this.running.size,
        succeeded: done.filter((r) => r.outcome === 'success').length,
        failed: done.filter((r) => r.outcome === 'failure').length,
        skipped: done.filter((r) => r.outcome === 'skipped').length,
      },
      result: this.finalResult,
    };
  }
}

/** Answers the progress query and the operators' signals and updates for this run. */
export function acceptControl(run: SiteRun): void {
  setHandler(progressQuery, () => run.progress());
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
    const child = run.running.get(node);
    if (child?.handle) await child.handle.signal(confirmSignal, { node });
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
  run.nodesScope.cancel();
  run.bump();
  return names;
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
