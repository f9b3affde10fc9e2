/** The site run's design and site-level steps: load (or, after a continue-as-new, reload) the
 * design once, then run the action's site steps through SITE_STEP_ACTIVITIES. */
import { ApplicationFailure, isCancellation, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { LoadedDesign, NodesRef, WorkflowActivities } from '../src/contracts/activities';
import { WORKFLOW_FAILURES, type SiteStep, type StepRecord } from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import type { SiteContext } from '../src/contracts/site-context';
import * as options from './activity-options';
import { describeFailure } from './node-steps';
import { NODE_STEPS, SITE_STEP_DRIVER, SITE_STEPS, siteDriverMissing } from './plans';
import type { SiteRun } from './site-control';
import { SITE_STEP_ACTIVITIES } from './step-activities';

const design = proxyActivities<WorkflowActivities>(options.designActivity);
const siteLevel = proxyActivities<WorkflowActivities>(options.siteActivity);

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
  state.siteName = loaded.siteName;
  state.designHash = loaded.designHash;
  state.findings = loaded.findings;
  state.queue = loaded.nodes.map((n) => n.name);
  if (state.queue.length > COMPACT_RESULTS_ABOVE) state.compactNodeResults = true;
  for (const n of loaded.nodes) run.racks.set(n.name, n.rack);
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.DrydockSite, value: loaded.siteName }]);
  state.siteSteps.push({ step: 'LoadDesign', status: 'succeeded', message: `design ${loaded.designHash.slice(0, 12)}: ${loaded.nodes.length} node(s) selected, ${loaded.findings.length} warning/info finding(s)` });
  return loaded.site;
}

/** After a continue-as-new: the same design again (by its hash), for the site context and racks. */
export async function reloadDesign(run: SiteRun): Promise<SiteContext> {
  const { action, state } = run;
  const reloaded = await load(run);
  if (reloaded.designHash !== state.designHash) {
    throw ApplicationFailure.create({ type: WORKFLOW_FAILURES.designChanged, nonRetryable: true, message: `the design changed while ${action} was running (validated ${state.designHash.slice(0, 12)}, now ${reloaded.designHash.slice(0, 12)})` });
  }
  for (const n of reloaded.nodes) run.racks.set(n.name, n.rack);
  return reloaded.site;
}

/** The action's site steps, in order; the first that fails leaves no node to do. */
export async function runSiteSteps(run: SiteRun, site: SiteContext): Promise<void> {
  const { state } = run;
  run.phase = 'site-steps';
  for (const step of SITE_STEPS[run.action]) {
    const record = await runSiteStep(step, site, { design: run.input.design, designHash: state.designHash, names: state.queue });
    state.siteSteps.push(record);
    if (record.status === 'failed') {
      state.queue = [];
      break;
    }
  }
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
