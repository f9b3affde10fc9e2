import { ApplicationFailure, condition, continueAsNew, allHandlersFinished, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import { WORKFLOW_FAILURES, type SiteAction, type SiteActionInput, type SiteActionResult } from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { scheduleNodes } from './node-scheduler';
import { acceptControl } from './site-control';
import { scheduleLanes, useLanes } from './site-lanes';
import { SiteRun } from './site-run';
import { loadDesign, reloadDesign, runSiteSteps } from './site-steps';

const DEFAULT_RETRY_WINDOW = '1 hour';

/**
 * Runs one of Drydock's orchestrator actions on a site: loads and validates the design once,
 * runs the site-level steps, then one child workflow per selected node with bounded
 * parallelism (site-wide and per rack); above the lane size the node workflows are children of
 * lane workflows, the site's children. Failed nodes never stop the others; a run with failures
 * stays open for `retryFailed` during the retry window.
 */
export async function runSiteAction(action: SiteAction, input: SiteActionInput): Promise<SiteActionResult> {
  const run = new SiteRun(action, input);
  acceptControl(run);
  announce(run);
  const site = input.carried ? await reloadDesign(run) : await loadDesign(run);
  if (!input.carried) await runSiteSteps(run, site);
  for (;;) {
    run.enterPhase('nodes');
    if (useLanes(run)) await scheduleLanes(run, site);
    else if ((await scheduleNodes(run, site)) === 'continue-as-new') return continueWithCarriedState(run);
    if (!(await awaitRetryWindow(run))) break;
  }
  return finish(run);
}

function announce(run: SiteRun): void {
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.DrydockAction, value: run.action },
    { key: SEARCH_ATTRIBUTES.DrydockPhase, value: run.phase },
    { key: SEARCH_ATTRIBUTES.DrydockResult, value: 'running' },
  ]);
}

/** History is long: the run goes on in a new run that carries the state (queue, results). */
async function continueWithCarriedState(run: SiteRun): Promise<never> {
  await condition(allHandlersFinished);
  run.state.runs++;
  return continueAsNew<(input: SiteActionInput) => Promise<SiteActionResult>>({ ...run.input, carried: run.state });
}

/** With failed nodes, waits out the retry window: true when `retryFailed` queued them again. */
async function awaitRetryWindow(run: SiteRun): Promise<boolean> {
  if (run.aborted) return false;
  const failures = run.state.results.some((r) => r.outcome === 'failure');
  if (!failures || run.closed) return false;
  run.finalResult = run.result();
  run.enterPhase('awaiting-retry', run.finalResult.status);
  setCurrentDetails(summaryDetails(run.finalResult, 'waiting for `retryFailed` or the end of the retry window'));
  run.retryRequested = false;
  const window = msToNumber(run.input.options?.retryWindow ?? DEFAULT_RETRY_WINDOW);
  if (window <= 0) return false;
  const retry = await condition(() => run.retryRequested || run.closed || run.aborted, window);
  return retry && run.retryRequested;
}

/** Records the verdict; a scheduled run (failWorkflowOnFailure) that failed ends as failed. */
async function finish(run: SiteRun): Promise<SiteActionResult> {
  const finalResult = (run.finalResult = run.result());
  run.enterPhase(run.aborted ? 'aborted' : 'done', run.aborted ? 'aborted' : finalResult.status);
  setCurrentDetails(summaryDetails(finalResult));
  await condition(allHandlersFinished);
  if (run.input.options?.failWorkflowOnFailure && finalResult.status === 'failure') {
    throw ApplicationFailure.create({ type: WORKFLOW_FAILURES.runFailed, nonRetryable: true, message: `${run.action} on ${finalResult.site}: ${finalResult.message}`, details: [finalResult] });
  }
  return finalResult;
}

function summaryDetails(result: SiteActionResult, note?: string): string {
  return [
    `**${result.action} ${result.site}: ${result.status}**`,
    `${result.successes.length} succeeded, ${result.failures.length} failed, ${result.skipped.length} skipped`,
    ...result.failures.slice(0, 20).map((f) => `- ${f.node}: ${f.step ?? ''} ${f.message}`),
    ...(note ? [note] : []),
  ].join('\n');
}
