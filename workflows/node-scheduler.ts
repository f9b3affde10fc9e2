/**
 * The node scheduler of a site run: one child workflow per queued node, with bounded
 * parallelism (site-wide and per rack). A node's failure never stops the others.
 */
import { ApplicationFailure, ChildWorkflowCancellationType, condition, isCancellation, ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowActivities } from '../src/contracts/activities';
import { nodeWorkflowId, siteWorkflowIdOf, WORKFLOW_FAILURES, type NodeProgress, type NodeResult } from '../src/contracts/deployment';
import { segmentRouting } from '../src/contracts/segments';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import type { SiteContext } from '../src/contracts/site-context';
import type { NodeModel } from '../src/design/model';
import * as options from './activity-options';
import { nodeWorkflow } from './node';
import { describeFailure } from './node-steps';
import { keptNodeResult, nodeSiteContext } from './results';
import { ABORTED_MESSAGE, type NodeRun, type RunningNode } from './node-run';

const design = proxyActivities<WorkflowActivities>(options.designActivity);
const lookup = proxyActivities<WorkflowActivities>(options.lookupActivity);

const DEFAULT_MAX_PARALLEL = 50;
const DEFAULT_HISTORY_LIMIT = 10_000;
/** Node models fetched per activity call: keeps each result well under Temporal's 2 MB payload limit. */
const MODEL_BATCH = 100;

/** Runs queued nodes until the queue is empty ('done') or history needs a continue-as-new. */
export async function scheduleNodes(run: NodeRun, site: SiteContext): Promise<'done' | 'continue-as-new'> {
  const { state } = run;
  const opts = run.limits;
  const maxParallel = Math.max(1, opts.maxParallelNodes ?? DEFAULT_MAX_PARALLEL);
  const historyLimit = opts.historyEventLimit ?? DEFAULT_HISTORY_LIMIT;
  const models = new Map<string, NodeModel>();
  const waiting = new Set<Promise<void>>();
  for (;;) {
    if (run.aborted) {
      for (const name of state.queue.splice(0)) state.results.push(skippedResult(run, name, 'the run was aborted before this node started'));
    }
    const needContinue = workflowInfo().historyLength > historyLimit || workflowInfo().continueAsNewSuggested;
    while (!run.aborted && !state.paused && !needContinue && run.running.size < maxParallel) {
      const index = state.queue.findIndex((name) => rackHasRoom(run, run.racks.get(name)));
      if (index < 0) break;
      const [name] = state.queue.splice(index, 1);
      const model = await nodeModel(run, name, models);
      const done = runNode(run, model, site).finally(() => {
        waiting.delete(done);
        run.bump();
      });
      waiting.add(done);
    }
    if (run.running.size === 0 && waiting.size === 0) {
      if (state.queue.length === 0 || run.aborted) return 'done';
      if (needContinue) return 'continue-as-new';
    }
    const seen = run.version;
    await condition(() => run.version !== seen);
  }
}

function rackHasRoom(run: NodeRun, rack: string | undefined): boolean {
  const maxPerRack = run.limits.maxParallelPerRack ?? Number.POSITIVE_INFINITY;
  if (rack === undefined || !Number.isFinite(maxPerRack)) return true;
  let count = 0;
  for (const r of run.running.values()) if (r.rack === rack) count++;
  return count < maxPerRack;
}

async function nodeModel(run: NodeRun, name: string, cache: Map<string, NodeModel>): Promise<NodeModel> {
  const { state } = run;
  if (!cache.has(name)) {
    const batch = [name, ...state.queue.filter((n) => !cache.has(n)).slice(0, MODEL_BATCH - 1)];
    for (const model of await design.getNodeModels({ design: run.design, designHash: state.designHash, names: batch })) cache.set(model.name, model);
  }
  const model = cache.get(name);
  if (!model) throw ApplicationFailure.create({ type: WORKFLOW_FAILURES.unknownNode, nonRetryable: true, message: `node ${name} is not in the design ${state.designHash.slice(0, 12)}` });
  cache.delete(name);
  return model;
}

/** One node's child workflow, from its start to its result (or the reason it has none). */
async function runNode(run: NodeRun, node: NodeModel, site: SiteContext): Promise<void> {
  const { action, state } = run;
  const workflowId = nodeWorkflowId(state.siteName, node.name);
  const progress: NodeProgress = { node: node.name, action, state: 'running', steps: [], workflowId, startedAt: Date.now() };
  const entry: RunningNode = { progress, rack: node.rack };
  run.running.set(node.name, entry);
  try {
    const result = await run.nodesScope.run(async () => {
      entry.handle = await startChild(nodeWorkflow, {
        workflowId,
        args: [{ action, node, site: nodeSiteContext(node, site), designHash: state.designHash, parentWorkflowId: run.siteWorkflowId, startPaused: state.paused, ...(run.limits.bootActionTimeout !== undefined ? { bootActionTimeout: run.limits.bootActionTimeout } : {}), ...segmentRouting(run.limits) }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        staticSummary: `${action} ${node.name}${node.rack ? ` (rack ${node.rack})` : ''}`,
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.DrydockSite, value: state.siteName },
          { key: SEARCH_ATTRIBUTES.DrydockNode, value: node.name },
          { key: SEARCH_ATTRIBUTES.DrydockAction, value: action },
          { key: SEARCH_ATTRIBUTES.DrydockPhase, value: 'starting' },
          { key: SEARCH_ATTRIBUTES.DrydockResult, value: 'running' },
        ],
      });
      return entry.handle.result();
    });
    state.results.push(keptNodeResult(result, state.compactNodeResults));
  } catch (err) {
    state.results.push(keptNodeResult(await failedStart(run, node, workflowId, err), state.compactNodeResults));
  } finally {
    run.running.delete(node.name);
  }
}

async function failedStart(run: NodeRun, node: NodeModel, workflowId: string, err: unknown): Promise<NodeResult> {
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    const holder = await lookup.describeNodeHolder({ workflowId });
    const by = holder?.parentWorkflowId ? ` by ${siteWorkflowIdOf(holder.parentWorkflowId)}` : '';
    return skippedResult(run, node.name, `node busy: ${workflowId} is already running${by}${holder?.action ? ` (${holder.action})` : ''}`, workflowId);
  }
  if (isCancellation(err) || run.aborted) {
    return { node: node.name, rack: node.rack, outcome: 'failure', message: ABORTED_MESSAGE, workflowId, steps: [] };
  }
  const failure = describeFailure(err instanceof Error && err.cause ? err.cause : err);
  return { node: node.name, rack: node.rack, outcome: 'failure', message: failure.message, workflowId, steps: [] };
}

export function skippedResult(run: NodeRun, name: string, reason: string, workflowId = nodeWorkflowId(run.state.siteName, name)): NodeResult {
  return { node: name, rack: run.racks.get(name), outcome: 'skipped', message: reason, workflowId, steps: [] };
}
