import type { CarriedState, NodeResult, SiteAction, SiteActionResult, SiteResultStatus } from '../src/contracts/deployment';
import type { NodeModel } from '../src/design/model';
import type { SiteContext } from '../src/contracts/site-context';

/** Above this many node results, the site result leaves out those of nodes that succeeded or
 * were skipped (about 150 bytes each even when compact: 1.5 MB at 10,000 nodes; an aborted
 * 10,000-node run skips nearly all of them, and with their `skipped` entries passed 2 MB). */
const OMIT_SUCCESS_RESULTS_ABOVE = 2000;

/** Drydock's verdict for a run: success, partial_success, incomplete or failure. Skipped nodes
 * (held by another operation) are neither successes nor failures, but a run that skipped a node
 * did not do what was asked for it: it is never `success` (some done: partial_success; none
 * done and none failed: incomplete). The message always gives the skipped count. */
export function siteResult(action: SiteAction, state: CarriedState, aborted: boolean): SiteActionResult {
  const successes = state.results.filter((r) => r.outcome === 'success').map((r) => r.node);
  const failures = state.results.filter((r) => r.outcome === 'failure').map((r) => ({ node: r.node, step: r.failedStep, message: r.message }));
  const skipped = state.results.filter((r) => r.outcome === 'skipped').map((r) => ({ node: r.node, reason: r.message }));
  const failedSiteStep = state.siteSteps.find((s) => s.status === 'failed');
  const omitSuccesses = state.results.length > OMIT_SUCCESS_RESULTS_ABOVE;

  let status: SiteResultStatus;
  let message: string;
  if (failedSiteStep) {
    status = 'failure';
    message = `${failedSiteStep.step} failed: ${failedSiteStep.message}`;
  } else if (aborted) {
    status = 'failure';
    message = `aborted by an operator: ${successes.length} node(s) had finished`;
  } else if (failures.length === 0 && skipped.length === 0) {
    status = 'success';
    message = state.results.length === 0 ? `${action} done` : `${successes.length} node(s) succeeded`;
  } else if (failures.length === 0) {
    status = successes.length > 0 ? 'partial_success' : 'incomplete';
    message = `not everything was done: ${successes.length} node(s) succeeded, ${skipped.length} skipped (${skipped[0].node}: ${skipped[0].reason}${skipped.length > 1 ? '; ...' : ''})`;
  } else {
    status = successes.length > 0 ? 'partial_success' : 'failure';
    const which = failures.slice(0, 3).map((f) => `${f.node}${f.step ? ` at ${f.step}` : ''}`).join(', ');
    message = `${failures.length} node(s) failed (${which}${failures.length > 3 ? ', ...' : ''}), ${successes.length} succeeded${skipped.length ? `, ${skipped.length} skipped` : ''}`;
  }
  return {
    action,
    site: state.siteName,
    designHash: state.designHash,
    status,
    message,
    siteSteps: state.siteSteps,
    successes,
    failures,
    skipped,
    nodes: omitSuccesses ? state.results.filter((r) => r.outcome === 'failure') : state.results,
    findings: state.findings,
    retries: state.retries,
    ...(state.compactNodeResults ? { compactNodeResults: true } : {}),
    ...(omitSuccesses ? { successNodeResultsOmitted: true, skippedNodeResultsOmitted: true } : {}),
  };
}

/** A node's result as the site workflow keeps it: whole, or for large runs without the step
 * records of steps that did not fail (the node workflow's own result keeps them all). */
export function keptNodeResult(result: NodeResult, compact: boolean | undefined): NodeResult {
  if (!compact) return result;
  // Compact: a succeeded boot action says no more than the node's success does.
  const { bootActions, ...rest } = result;
  const unsettled = bootActions?.filter((b) => b.status !== 'success');
  return { ...rest, steps: result.steps.filter((s) => s.status === 'failed'), ...(unsettled?.length ? { bootActions: unsettled } : {}) };
}

/** The site context a node's workflow and activities get: the node's own boot actions, each
 * naming only this node as its target. The site-wide target lists grow with the site and would
 * otherwise be copied into every node workflow's input and every one of its activities. */
export function nodeSiteContext(node: NodeModel, site: SiteContext): SiteContext {
  const bootActions: SiteContext['bootActions'] = {};
  for (const name of node.bootActions) {
    const action = site.bootActions[name];
    if (action) bootActions[name] = { ...action, targetNodes: [node.name] };
  }
  return { ...site, bootActions };
}
