import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowHandle,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { nodeWorkflowId, QUERIES, SIGNALS, UPDATES } from '../src/contracts/deployment';
import type {
  CarriedState,
  NodeProgress,
  NodeResult,
  SiteAction,
  SiteActionInput,
  SiteActionResult,
  SiteProgress,
  SiteStep,
  StepRecord,
} from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import type { NodeModel } from '../src/design/model';
import type { SiteContext } from '../src/drivers/node/interface';
import * as options from './activity-options';
import type { LoadedDesign, NodesRef, WorkflowActivities } from './activity-types';
import { nodeWorkflow } from './node';
import { describeFailure } from './node-steps';
import { NODE_STEPS, SITE_STEP_DRIVER, SITE_STEPS, siteDriverMissing } from './plans';
import { keptNodeResult, nodeSiteContext, siteResult } from './results';

const design = proxyActivities<WorkflowActivities>(options.designActivity);
const siteLevel = proxyActivities<WorkflowActivities>(options.siteActivity);
const lookup = proxyActivities<WorkflowActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });

export const progressQuery = defineQuery<SiteProgress>(QUERIES.progress);
export const pauseSignal = defineSignal(SIGNALS.pause);
export const resumeSignal = defineSignal(SIGNALS.resume);
export const confirmSignal = defineSignal<[{ node: string }]>(SIGNALS.confirm);
export const closeSignal = defineSignal(SIGNALS.close);
export const retryFailedUpdate = defineUpdate<string[]>(UPDATES.retryFailed);
export const abortUpdate = defineUpdate<string[]>(UPDATES.abort);

const DEFAULT_MAX_PARALLEL = 50;
const DEFAULT_RETRY_WINDOW = '1 hour';
const DEFAULT_HISTORY_LIMIT = 10_000;
/** Node models fetched per activity call: keeps each result well under Temporal's 2 MB payload limit. */
const MODEL_BATCH = 100;
/** Above this many nodes, node results are kept without their step lists (a node's steps take
 * ~1.4 KB; 250 of them stay under Temporal's 512 KB payload warning). */
const COMPACT_RESULTS_ABOVE = 250;

/**
 * Runs one of Drydock's orchestrator actions on a site: loads and validates the design once,
 * runs the site-level steps, then one child workflow per selected node with bounded
 * parallelism (site-wide and per rack). Failed nodes never stop the others; a run with failures
 * stays open for `retryFailed` during the retry window.
 */
export async function runSiteAction(action: SiteAction, input: SiteActionInput): Promise<SiteActionResult> {
  const opts = input.options ?? {};
  const maxParallel = Math.max(1, opts.maxParallelNodes ?? DEFAULT_MAX_PARALLEL);
  const maxPerRack = opts.maxParallelPerRack ?? Number.POSITIVE_INFINITY;
  const historyLimit = opts.historyEventLimit ?? DEFAULT_HISTORY_LIMIT;

  const state: CarriedState = input.carried ?? { siteName: '', designHash: '', siteSteps: [], results: [], queue: [], findings: [], paused: false, retries: 0, runs: 0 };
  let phase: SiteProgress['phase'] = input.carried ? 'nodes' : 'loading-design';
  let aborted = false;
  let closed = false;
  let retryRequested = false;
  let version = 0; // bumped on every event the scheduling loop must react to
  const bump = (): void => void version++;
  const running = new Map<string, { handle?: ChildWorkflowHandle<typeof nodeWorkflow>; progress: NodeProgress; rack?: string }>();
  const racks = new Map<string, string | undefined>();
  let site: SiteContext | undefined;
  let finalResult: SiteActionResult | undefined;
  const nodesScope = new CancellationScope();
  const childHandles = (): Array<ChildWorkflowHandle<typeof nodeWorkflow>> => [...running.values()].flatMap((r) => (r.handle ? [r.handle] : []));

  const currentResult = (): SiteActionResult => siteResult(action, state, aborted);

  setHandler(progressQuery, (): SiteProgress => {
    const done = state.results;
    const nodes: NodeProgress[] = [
      ...done.map((r): NodeProgress => ({ node: r.node, action, state: r.outcome === 'success' ? 'succeeded' : r.outcome === 'failure' ? 'failed' : 'skipped', steps: r.steps, lastError: r.outcome === 'failure' ? r.message : undefined, workflowId: r.workflowId })),
      ...[...running.values()].map((r) => r.progress),
      ...state.queue.map((name): NodeProgress => ({ node: name, action, state: 'pending', steps: [] })),
    ];
    return {
      action,
      site: state.siteName || undefined,
      phase,
      paused: state.paused,
      siteSteps: state.siteSteps,
      nodes,
      counts: {
        total: nodes.length,
        pending: state.queue.length,
        running: running.size,
        succeeded: done.filter((r) => r.outcome === 'success').length,
        failed: done.filter((r) => r.outcome === 'failure').length,
        skipped: done.filter((r) => r.outcome === 'skipped').length,
      },
      result: finalResult,
    };
  });
  setHandler(pauseSignal, async () => {
    state.paused = true;
    bump();
    await Promise.all(childHandles().map((h) => h.signal(pauseSignal)));
  });
  setHandler(resumeSignal, async () => {
    state.paused = false;
    bump();
    await Promise.all(childHandles().map((h) => h.signal(resumeSignal)));
  });
  setHandler(confirmSignal, async ({ node }) => {
    const child = running.get(node);
    if (child?.handle) await child.handle.signal(confirmSignal, { node });
  });
  setHandler(closeSignal, () => {
    closed = true;
    bump();
  });
  setHandler(
    abortUpdate,
    async () => {
      aborted = true;
      const names = [...running.keys()];
      nodesScope.cancel();
      bump();
      return names;
    },
    { validator: () => void (phase === 'done' || phase === 'aborted' ? rejectUpdate('this run has already finished') : undefined) },
  );
  setHandler(
    retryFailedUpdate,
    async () => {
      const failed = state.results.filter((r) => r.outcome === 'failure').map((r) => r.node);
      state.results = state.results.filter((r) => r.outcome !== 'failure');
      state.queue.push(...failed);
      state.retries++;
      retryRequested = true;
      bump();
      return failed;
    },
    {
      validator: () => {
        if (phase !== 'awaiting-retry') rejectUpdate(`retryFailed is accepted once the run has finished with failed nodes; the run is now in phase "${phase}"`);
        if (!state.results.some((r) => r.outcome === 'failure')) rejectUpdate('no node failed: there is nothing to retry');
      },
    },
  );

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.DrydockAction, value: action },
    { key: SEARCH_ATTRIBUTES.DrydockPhase, value: phase },
    { key: SEARCH_ATTRIBUTES.DrydockResult, value: 'running' },
  ]);

  // ---- 1. the design, once ----
  let loaded: LoadedDesign | undefined;
  if (!input.carried) {
    const needNodes = NODE_STEPS[action].length > 0;
    loaded = await design.loadSiteDesign({ design: input.design, filter: input.filter, action, needNodes });
    state.siteName = loaded.siteName;
    state.designHash = loaded.designHash;
    state.findings = loaded.findings;
    state.queue = loaded.nodes.map((n) => n.name);
    if (state.queue.length > COMPACT_RESULTS_ABOVE) state.compactNodeResults = true;
    site = loaded.site;
    for (const n of loaded.nodes) racks.set(n.name, n.rack);
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.DrydockSite, value: loaded.siteName }]);
    state.siteSteps.push({ step: 'LoadDesign', status: 'succeeded', message: `design ${loaded.designHash.slice(0, 12)}: ${loaded.nodes.length} node(s) selected, ${loaded.findings.length} warning/info finding(s)` });

    // ---- 2. site-level steps ----
    phase = 'site-steps';
    for (const step of SITE_STEPS[action]) {
      const record = await runSiteStep(step, loaded.site, { design: input.design, designHash: loaded.designHash, names: state.queue });
      state.siteSteps.push(record);
      if (record.status === 'failed') {
        state.queue = [];
        break;
      }
    }
  } else {
    const reloaded = await design.loadSiteDesign({ design: input.design, filter: input.filter, action, needNodes: NODE_STEPS[action].length > 0 });
    if (reloaded.designHash !== state.designHash) {
      throw ApplicationFailure.create({ type: 'DesignChanged', nonRetryable: true, message: `the design changed while ${action} was running (validated ${state.designHash.slice(0, 12)}, now ${reloaded.designHash.slice(0, 12)})` });
    }
    site = reloaded.site;
    for (const n of reloaded.nodes) racks.set(n.name, n.rack);
  }
  if (!site) throw ApplicationFailure.create({ type: 'DesignUnreadable', nonRetryable: true, message: 'the design was not loaded' });
  const siteContext: SiteContext = site;

  // ---- 3. nodes, with bounded parallelism; 4. retry window ----
  for (;;) {
    phase = 'nodes';
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.DrydockPhase, value: phase }]);
    const continueNeeded = await runNodes();
    if (continueNeeded) {
      await condition(allHandlersFinished);
      state.runs++;
      return continueAsNew<(input: SiteActionInput) => Promise<SiteActionResult>>({ ...input, carried: state });
    }
    if (aborted) break;
    const failures = state.results.some((r) => r.outcome === 'failure');
    if (!failures || closed) break;
    finalResult = currentResult();
    phase = 'awaiting-retry';
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.DrydockPhase, value: phase },
      { key: SEARCH_ATTRIBUTES.DrydockResult, value: finalResult.status },
    ]);
    setCurrentDetails(summaryDetails(finalResult, 'waiting for `retryFailed` or the end of the retry window'));
    retryRequested = false;
    const window = msToNumber(opts.retryWindow ?? DEFAULT_RETRY_WINDOW);
    if (window <= 0) break;
    const retry = await condition(() => retryRequested || closed || aborted, window);
    if (!retry || !retryRequested) break;
  }

  phase = aborted ? 'aborted' : 'done';
  finalResult = currentResult();
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.DrydockPhase, value: phase },
    { key: SEARCH_ATTRIBUTES.DrydockResult, value: aborted ? 'aborted' : finalResult.status },
  ]);
  setCurrentDetails(summaryDetails(finalResult));
  await condition(allHandlersFinished);
  if (opts.failWorkflowOnFailure && finalResult.status === 'failure') {
    throw ApplicationFailure.create({ type: 'RunFailed', nonRetryable: true, message: `${action} on ${finalResult.site}: ${finalResult.message}`, details: [finalResult] });
  }
  return finalResult;

  /** Runs queued nodes until the queue is empty (false) or history needs a continue-as-new (true). */
  async function runNodes(): Promise<boolean> {
    const models = new Map<string, NodeModel>();
    const waiting = new Set<Promise<void>>();
    for (;;) {
      if (aborted) {
        for (const name of state.queue.splice(0)) state.results.push(skippedResult(name, 'the run was aborted before this node started'));
      }
      const needContinue = workflowInfo().historyLength > historyLimit || workflowInfo().continueAsNewSuggested;
      while (!aborted && !state.paused && !needContinue && running.size < maxParallel) {
        const index = state.queue.findIndex((name) => rackHasRoom(racks.get(name)));
        if (index < 0) break;
        const [name] = state.queue.splice(index, 1);
        const model = await nodeModel(name, models);
        const done = startNode(model).finally(() => {
          waiting.delete(done);
          bump();
        });
        waiting.add(done);
      }
      if (running.size === 0 && waiting.size === 0) {
        if (state.queue.length === 0 || aborted) return false;
        if (needContinue) return true;
      }
      const seen = version;
      await condition(() => version !== seen);
    }
  }

  function rackHasRoom(rack: string | undefined): boolean {
    if (rack === undefined || !Number.isFinite(maxPerRack)) return true;
    let count = 0;
    for (const r of running.values()) if (r.rack === rack) count++;
    return count < maxPerRack;
  }

  async function nodeModel(name: string, cache: Map<string, NodeModel>): Promise<NodeModel> {
    if (!cache.has(name)) {
      const batch = [name, ...state.queue.filter((n) => !cache.has(n)).slice(0, MODEL_BATCH - 1)];
      for (const model of await design.getNodeModels({ design: input.design, designHash: state.designHash, names: batch })) cache.set(model.name, model);
    }
    const model = cache.get(name);
    if (!model) throw ApplicationFailure.create({ type: 'UnknownNode', nonRetryable: true, message: `node ${name} is not in the design ${state.designHash.slice(0, 12)}` });
    cache.delete(name);
    return model;
  }

  async function startNode(node: NodeModel): Promise<void> {
    const workflowId = nodeWorkflowId(state.siteName, node.name);
    const progress: NodeProgress = { node: node.name, action, state: 'running', steps: [], workflowId, startedAt: Date.now() };
    const entry: { handle?: ChildWorkflowHandle<typeof nodeWorkflow>; progress: NodeProgress; rack?: string } = { progress, rack: node.rack };
    running.set(node.name, entry);
    try {
      const result = await nodesScope.run(async () => {
        const nodeSite = nodeSiteContext(node, siteContext);
        entry.handle = await startChild(nodeWorkflow, {
          workflowId,
          args: [{ action, node, site: nodeSite, designHash: state.designHash, parentWorkflowId: workflowInfo().workflowId, startPaused: state.paused }],
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
      state.results.push(keptNodeResult(await failedStart(node, workflowId, err), state.compactNodeResults));
    } finally {
      running.delete(node.name);
    }
  }

  async function failedStart(node: NodeModel, workflowId: string, err: unknown): Promise<NodeResult> {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const holder = await lookup.describeNodeHolder({ workflowId });
      const by = holder?.parentWorkflowId ? ` by ${holder.parentWorkflowId}` : '';
      return skippedResult(node.name, `node busy: ${workflowId} is already running${by}${holder?.action ? ` (${holder.action})` : ''}`, workflowId);
    }
    if (isCancellation(err) || aborted) {
      return { node: node.name, rack: node.rack, outcome: 'failure', message: 'aborted by an operator', workflowId, steps: [] };
    }
    const failure = describeFailure(err instanceof Error && err.cause ? err.cause : err);
    return { node: node.name, rack: node.rack, outcome: 'failure', message: failure.message, workflowId, steps: [] };
  }

  function skippedResult(name: string, reason: string, workflowId = nodeWorkflowId(state.siteName, name)): NodeResult {
    return { node: name, rack: racks.get(name), outcome: 'skipped', message: reason, workflowId, steps: [] };
  }
}

async function runSiteStep(step: SiteStep, site: SiteContext, nodesRef: NodesRef): Promise<StepRecord> {
  const started = Date.now();
  const kind = SITE_STEP_DRIVER[step];
  const missing = kind === 'design' ? undefined : siteDriverMissing(kind, site);
  if (missing) return { step, status: 'skipped', message: missing, elapsedMs: 0 };
  try {
    let message: string;
    switch (step) {
      case 'ValidateNodeServices':
        message = (await siteLevel.validateNodeServices({ site })).message;
        break;
      case 'ValidateNetworkServices':
        message = (await siteLevel.validateNetworkServices({ site })).message;
        break;
      case 'ValidateKubernetesServices':
        message = (await siteLevel.validateKubernetesServices({ site })).message;
        break;
      case 'CreateNetworkTemplate':
        message = (await siteLevel.createNetworkTemplate({ site })).message;
        break;
      case 'ConfigureUserCredentials':
        message = (await siteLevel.configureUserCredentials({ site })).message;
        break;
      case 'ConfigureNodeProvisioner':
        message = (await siteLevel.configureNodeProvisioner({ site })).message;
        break;
      case 'CreateStorageTemplate':
        message = (await siteLevel.createStorageTemplate({ site, nodesRef })).message;
        break;
      case 'CreateBootMedia':
        message = (await siteLevel.createBootMedia({ site, nodesRef })).message;
        break;
      case 'PrepareHardwareConfig':
        message = (await siteLevel.prepareHardwareConfig({ site })).message;
        break;
      case 'LoadDesign':
        message = 'loaded';
        break;
    }
    return { step, status: 'succeeded', message, elapsedMs: Date.now() - started };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { step, status: 'failed', message: describeFailure(err).message, elapsedMs: Date.now() - started };
  }
}

function rejectUpdate(message: string): never {
  throw new Error(message);
}

function summaryDetails(result: SiteActionResult, note?: string): string {
  return [
    `**${result.action} ${result.site}: ${result.status}**`,
    `${result.successes.length} succeeded, ${result.failures.length} failed, ${result.skipped.length} skipped`,
    ...result.failures.slice(0, 20).map((f) => `- ${f.node}: ${f.step ?? ''} ${f.message}`),
    ...(note ? [note] : []),
  ].join('\n');
}
