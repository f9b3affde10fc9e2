/** The site run's design and site-level steps: load (or, after a continue-as-new, reload) the
 * design once, then run the action's site steps through SITE_STEP_ACTIVITIES. */
import { ApplicationFailure, ChildWorkflowCancellationType, executeChild, isCancellation, ParentClosePolicy, patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { LoadedDesign, NodesRef, WorkflowActivities } from '../src/contracts/activities';
import { nodeWorkflowId, siteStepsWorkflowId, WORKFLOW_FAILURES, type SiteAction, type SiteStep, type StepRecord } from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { unpackSelectedNodes } from '../src/contracts/selected-nodes';
import type { SiteContext } from '../src/contracts/site-context';
import * as options from './activity-options';
import { describeFailure } from './node-steps';
import { NODE_STEPS, SITE_STEP_DRIVER, SITE_STEPS, siteDriverMissing } from './plans';
import type { SiteRun } from './site-run';
import { SITE_STEP_ACTIVITIES } from './step-activities';

const design = proxyActivities<WorkflowActivities>(options.designActivity);
const siteLevel = proxyActivities<WorkflowActivities>(options.siteActivity);
const lookup = proxyActivities<WorkflowActivities>(options.lookupActivity);

/** Runs before this patch ran the site steps in the site workflow itself, without the lock. */
const SITE_LOCK_PATCH = 'site-steps-lock';

/** Above this many nodes, node results are kept without their step lists (a node's steps take
 * ~1.4 KB; 250 of them stay under Temporal's 512 KB payload warning). */
const COMPACT_RESULTS_ABOVE = 250;

function load(run: SiteRun): Promise<LoadedDesign> {
  const { action, input } = run;
  return design.loadSiteDesign({ design: input.design, filter: input.filter, action, needNodes: NODE_STEPS[action].length > 0 });
}

/** Loads and validates the design, queues the selected nodes and records the LoadDesign step. */
export async function loadDesign(run: SiteRun): Promise<SiteContext> {
  const { state } = run;
  const loaded = await load(run);
  const nodes = unpackSelectedNodes(loaded);
  state.siteName = loaded.siteName;
  state.designHash = loaded.designHash;
  state.findings = loaded.findings;
  state.queue = nodes.map((n) => n.name);
  if (state.queue.length > COMPACT_RESULTS_ABOVE) state.compactNodeResults = true;
  for (const n of nodes) run.racks.set(n.name, n.rack);
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.DrydockSite, value: loaded.siteName }]);
  state.siteSteps.push({ step: 'LoadDesign', status: 'succeeded', message: `design ${loaded.designHash.slice(0, 12)}: ${nodes.length} node(s) selected, ${loaded.findings.length} warning/info finding(s)` });
  return loaded.site;
}

/** After a continue-as-new: the same design again (by its hash), for the site context and racks. */
export async function reloadDesign(run: SiteRun): Promise<SiteContext> {
  const { action, state } = run;
  const reloaded = await load(run);
  if (reloaded.designHash !== state.designHash) {
    throw ApplicationFailure.create({ type: WORKFLOW_FAILURES.designChanged, nonRetryable: true, message: `the design changed while ${action} was running (validated ${state.designHash.slice(0, 12)}, now ${reloaded.designHash.slice(0, 12)})` });
  }
  for (const n of unpackSelectedNodes(reloaded)) run.racks.set(n.name, n.rack);
  return reloaded.site;
}

/**
 * The action's site steps, in order; the first that fails leaves no node to do. Steps that
 * change the site (everything but the Validate* checks) run under the site lock: in a child
 * workflow with the site's fixed id, so two runs on one site never run them at once. A run that
 * finds the lock held does not wait: it skips, and every one of its nodes is reported skipped
 * naming the holder (as a busy node is).
 */
export async function runSiteSteps(run: SiteRun, site: SiteContext): Promise<void> {
  const { state } = run;
  run.phase = 'site-steps';
  const steps = SITE_STEPS[run.action];
  const nodesRef: NodesRef = { design: run.input.design, designHash: state.designHash, names: state.queue };
  let records: StepRecord[];
  if (!steps.some((s) => !s.startsWith('Validate')) || !patched(SITE_LOCK_PATCH)) {
    records = await siteSteps(run.action, site, nodesRef);
  } else {
    const workflowId = siteStepsWorkflowId(state.siteName);
    try {
      records = await executeChild(siteStepsWorkflow, {
        workflowId,
        args: [{ action: run.action, site, nodesRef }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        staticSummary: `${run.action} ${state.siteName}: site steps (the site lock)`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await skipAsSiteBusy(run, workflowId);
      return;
    }
  }
  for (const record of records) {
    state.siteSteps.push(record);
    if (record.status === 'failed') state.queue = [];
  }
}

/** The site lock is held by another run: every queued node is skipped, naming the holder. */
async function skipAsSiteBusy(run: SiteRun, workflowId: string): Promise<void> {
  const { state } = run;
  const holder = await lookup.describeNodeHolder({ workflowId });
  const by = holder?.parentWorkflowId ?? workflowId;
  const reason = `site busy: ${workflowId} (the site steps) is already running for ${by}`;
  state.siteSteps.push({ step: SITE_STEPS[run.action][0], status: 'skipped', message: `${reason}; this run did not run the site steps or any node`, elapsedMs: 0 });
  for (const name of state.queue.splice(0)) {
    state.results.push({ node: name, rack: run.racks.get(name), outcome: 'skipped', message: reason, workflowId: nodeWorkflowId(state.siteName, name), steps: [] });
  }
}

/** The site steps of one run, under the site lock (workflow id `site:<site>:steps`). */
export async function siteStepsWorkflow(input: { action: SiteAction; site: SiteContext; nodesRef: NodesRef }): Promise<StepRecord[]> {

  return siteSteps(input.action, input.site, input.nodesRef);
}

async function siteSteps(action: SiteAction, site: SiteContext, nodesRef: NodesRef): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  for (const step of SITE_STEPS[action]) {
    const record = await runSiteStep(step, site, nodesRef);
    records.push(record);
    if (record.status === 'failed') break;
  }
  return records;
}

async function runSiteStep(step: SiteStep, site: SiteContext, nodesRef: NodesRef): Promise<StepRecord> {
  const started = Date.now();
  const kind = SITE_STEP_DRIVER[step];
  const missing = kind === 'design' ? undefined : siteDriverMissing(kind, site);
  if (missing) return { step, status: 'skipped', message: missing, elapsedMs: 0 };
  const entry = SITE_STEP_ACTIVITIES[step];
  try {
    const message = entry ? (await siteLevel[entry.activity](entry.withNodes ? { site, nodesRef } : { site })).message : 'loaded';
    return { step, status: 'succeeded', message, elapsedMs: Date.now() - started };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { step, status: 'failed', message: describeFailure(err).message, elapsedMs: Date.now() - started };
  }
}
