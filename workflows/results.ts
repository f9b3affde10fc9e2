import type { CarriedState, SiteAction, SiteActionResult, SiteResultStatus } from '../src/contracts/deployment';

/** Drydock's verdict for a run: success, partial_success or failure. Skipped nodes (held by
 * another operation) are neither successes nor failures. */
export function siteResult(action: SiteAction, state: CarriedState, aborted: boolean): SiteActionResult {
  const successes = state.results.filter((r) => r.outcome === 'success').map((r) => r.node);
  const failures = state.results.filter((r) => r.outcome === 'failure').map((r) => ({ node: r.node, step: r.failedStep, message: r.message }));
  const skipped = state.results.filter((r) => r.outcome === 'skipped').map((r) => ({ node: r.node, reason: r.message }));
  const failedSiteStep = state.siteSteps.find((s) => s.status === 'failed');

  let status: SiteResultStatus;
  let message: string;
  if (failedSiteStep) {
    status = 'failure';
    message = `${failedSiteStep.step} failed: ${failedSiteStep.message}`;
  } else if (aborted) {
    status = 'failure';
    message = `aborted by an operator: ${successes.length} node(s) had finished`;
  } else if (failures.length === 0) {
    status = 'success';
    message = state.results.length === 0 ? `${action} done` : `${successes.length} node(s) succeeded${skipped.length ? `, ${skipped.length} skipped` : ''}`;
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
    nodes: state.results,
    findings: state.findings,
    retries: state.retries,
  };
}
