/**
 * A lane of a large site run: the parent of its share of the nodes' workflows, with its share of
 * the parallelism, so that no one workflow parents (and is locked by) every node of the site.
 * It continues as new when its history grows, and answers the same progress query and control
 * signals as a site run, passing them on to its nodes.
 */
import { allHandlersFinished, CancellationScope, condition, continueAsNew, setHandler, type ChildWorkflowHandle } from '@temporalio/workflow';
import { abortLaneSignal, confirmSignal, pauseSignal, progressQuery, resumeSignal } from '../src/contracts/control';
import type { LaneResult, LaneWorkflowInput, NodeResult, ProgressQueryOptions, SiteProgress } from '../src/contracts/deployment';
import { segmentRouting } from '../src/contracts/segments';
import type { nodeWorkflow } from './node';
import type { NodeRun, RunningNode } from './node-run';
import { scheduleNodes } from './node-scheduler';
import { pageNodes } from './progress';

export async function laneWorkflow(input: LaneWorkflowInput): Promise<LaneResult> {
  const lane = new LaneRun(input);
  acceptLaneControl(lane);
  const outcome = await scheduleNodes(lane, input.site);
  await condition(allHandlersFinished);
  if (outcome === 'continue-as-new') {
    const { queue, results, paused } = lane.state;
    return continueAsNew<typeof laneWorkflow>({ ...input, carried: { queue, results, paused, runs: (input.carried?.runs ?? 0) + 1 } });
  }
  return { results: lane.state.results };
}

class LaneRun implements NodeRun {
  readonly state: NodeRun['state'] & { results: NodeResult[] };
  aborted = false;
  version = 0;
  readonly running = new Map<string, RunningNode>();
  readonly racks = new Map<string, string | undefined>();
  readonly nodesScope = new CancellationScope();

  constructor(readonly input: LaneWorkflowInput) {
    const { carried } = input;
    this.state = {
      siteName: input.siteName,
      designHash: input.designHash,
      results: carried?.results ?? [],
      queue: carried?.queue ?? input.nodes.map((n) => n.name),
      paused: carried?.paused ?? input.startPaused ?? false,
      compactNodeResults: input.compactNodeResults,
    };
    for (const n of input.nodes) this.racks.set(n.name, n.rack);
  }

  get action(): LaneWorkflowInput['action'] {
    return this.input.action;
  }

  get design(): LaneWorkflowInput['design'] {
    return this.input.design;
  }

  get limits(): NodeRun['limits'] {
    const { maxParallelNodes, maxParallelPerRack, historyEventLimit, bootActionTimeout, segmentQueues, segmentWaitTimeout } = this.input;
    return { maxParallelNodes, maxParallelPerRack, historyEventLimit, ...(bootActionTimeout !== undefined ? { bootActionTimeout } : {}), ...segmentRouting({ segmentQueues, segmentWaitTimeout }) };
  }

  get siteWorkflowId(): string {
    return this.input.siteWorkflowId;
  }

  bump(): void {
    this.version++;
  }

  childHandles(): Array<ChildWorkflowHandle<typeof nodeWorkflow>> {
    return [...this.running.values()].flatMap((r) => (r.handle ? [r.handle] : []));
  }

  progress(options?: ProgressQueryOptions): SiteProgress {
    const { action, state } = this;
    const page = pageNodes({ action, results: state.results, running: [...this.running.values()].map((r) => r.progress), queue: state.queue }, options);
    return { action, site: state.siteName, phase: 'nodes', paused: state.paused, siteSteps: [], ...page };
  }
}

function acceptLaneControl(lane: LaneRun): void {
  setHandler(progressQuery, (options) => lane.progress(options));
  setHandler(pauseSignal, async () => {
    lane.state.paused = true;
    lane.bump();
    await Promise.all(lane.childHandles().map((h) => h.signal(pauseSignal)));
  });
  setHandler(resumeSignal, async () => {
    lane.state.paused = false;
    lane.bump();
    await Promise.all(lane.childHandles().map((h) => h.signal(resumeSignal)));
  });
  setHandler(confirmSignal, async ({ node }) => {
    const child = lane.running.get(node)?.handle;
    if (child) await child.signal(confirmSignal, { node });
  });
  setHandler(abortLaneSignal, () => {
    lane.aborted = true;
    lane.nodesScope.cancel();
    lane.bump();
  });
}
