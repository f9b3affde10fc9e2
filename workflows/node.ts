import {
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { confirmSignal, nodeProgressQuery, pauseSignal, resumeSignal } from '../src/contracts/control';
import type { NodeProgress, NodeResult, NodeStep, NodeWorkflowInput, StepRecord } from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { acceptBootActionReports } from './node-bootactions';
import { bmcLock, segmentRoute } from './node-segment';
import { describeFailure, runNodeStep } from './node-steps';
import { nodePlan, STEP_PHASE } from './plans';

/** Runs that predate it upsert DrydockPhase at every step, and replay so. */
const PHASE_UPSERTS_PATCH = 'node-phase-upserts';

/** Skipped when the bootstrapper already knows the node (Drydock's check-exist). */
const PXE_STEPS: NodeStep[] = ['SetNodeBoot', 'PowerCycleNode'];

/**
 * The work of one site action on one node, step by step. Its id is `node:<site>:<node>`, so a
 * second operation on the same node cannot start while this one runs.
 */
export async function nodeWorkflow(input: NodeWorkflowInput): Promise<NodeResult> {
  const { node, site, action } = input;
  const steps: StepRecord[] = [];
  const progress: NodeProgress = { node: node.name, action, state: 'running', startedAt: Date.now(), steps, workflowId: workflowInfo().workflowId };
  let paused = input.startPaused ?? false;
  let holding = false; // paused and waiting between steps (a running step finishes first)
  let confirmed = false;

  setHandler(nodeProgressQuery, () => ({ ...progress, state: holding ? 'paused' : progress.state }));
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(confirmSignal, ({ node: confirmedNode }) => void (confirmedNode === node.name && (confirmed = true)));

  // Reports may come before DeployNode returns its boot actions: accepted from the start.
  const waitForBootActions = acceptBootActionReports(input, progress);
  const withBmcLock = bmcLock(input, progress);

  const record = (step: NodeStep, status: StepRecord['status'], message: string, started: number): void => {
    steps.push({ step, status, message, elapsedMs: Date.now() - started });
  };
  const finish = (outcome: NodeResult['outcome'], message: string, failedStep?: NodeStep, failureType?: string): NodeResult => {
    progress.state = outcome === 'success' ? 'succeeded' : outcome === 'failure' ? 'failed' : 'skipped';
    progress.step = undefined;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.DrydockPhase, value: 'done' },
      { key: SEARCH_ATTRIBUTES.DrydockResult, value: outcome },
      ...(failedStep ? [{ key: SEARCH_ATTRIBUTES.DrydockFailureCause, value: `${failedStep}: ${failureType ?? 'error'}` }] : []),
    ]);
    setCurrentDetails(`**${outcome}** — ${message}`);
    return { node: node.name, rack: node.rack, outcome, failedStep, message, workflowId: workflowInfo().workflowId, steps };
  };

  let knownToBootstrapper = false;
  let shownPhase: string | undefined;
  try {
    for (const planned of nodePlan(action, node, site)) {
      const started = Date.now();
      if (planned.skipReason) {
        record(planned.step, 'skipped', planned.skipReason, started);
        continue;
      }
      if (knownToBootstrapper && PXE_STEPS.includes(planned.step)) {
        record(planned.step, 'skipped', 'the bootstrapper already knows this node: not power-cycled', started);
        continue;
      }
      if (paused) {
        setCurrentDetails(`paused before **${planned.step}**`);
        holding = true;
        await condition(() => !paused);
        holding = false;
      }
      progress.step = planned.step;
      progress.stepStartedAt = Date.now();
      const phase = patched(PHASE_UPSERTS_PATCH) ? STEP_PHASE[planned.step] : planned.step;
      if (phase !== shownPhase) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.DrydockPhase, value: (shownPhase = phase) }]);
      setCurrentDetails(`${action}: step **${planned.step}** (${steps.length + 1})${progress.lastError ? `\n\nlast error: ${progress.lastError}` : ''}`);
      try {
        const stepInput = planned.step === 'DeployNode' ? { node, site, taskId: input.parentWorkflowId } : { node, site };
        const result = await withBmcLock(planned.driver, () => runNodeStep(planned.step, stepInput, segmentRoute(input, planned.driver, progress))).finally(() => void (progress.waiting = undefined));
        if (planned.step === 'CheckExists') knownToBootstrapper = result.knownToBootstrapper === true;
        if (planned.step === 'DeployNode' && result.bootActions?.some((a) => a.signaling)) {
          const why = await waitForBootActions(result.bootActions);
          if (why) {
            progress.lastError = `${planned.step}: ${why}`;
            record(planned.step, 'failed', `${result.message}; ${why}`, started);
            return finish('failure', `${planned.step} failed: ${why}`, planned.step, 'BootActionFailed');
          }
          record(planned.step, 'succeeded', `${result.message}; boot actions reported Success: ${result.bootActions.filter((a) => a.signaling).map((a) => a.name).join(', ')}`, started);
          continue;
        }
        if (result.awaitConfirmation) {
          confirmed = false;
          progress.state = 'awaiting-confirmation';
          progress.confirmationPrompt = result.awaitConfirmation.prompt;
          upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.DrydockPhase, value: (shownPhase = `${planned.step}:awaiting-confirmation`) }]);
          setCurrentDetails(`waiting for a person: ${result.awaitConfirmation.prompt}`);
          await condition(() => confirmed);
          progress.state = 'running';
          progress.confirmationPrompt = undefined;
          record(planned.step, 'succeeded', `${result.message}; confirmed by an operator`, started);
          continue;
        }
        record(planned.step, 'succeeded', result.message, started);
      } catch (err) {
        if (isCancellation(err)) throw err;
        const failure = describeFailure(err);
        progress.lastError = `${planned.step}: ${failure.message}`;
        record(planned.step, 'failed', failure.message, started);
        return finish('failure', `${planned.step} failed: ${failure.message}`, planned.step, failure.type);
      }
    }
    return finish('success', `${action} done (${steps.filter((s) => s.status === 'succeeded').length} steps, ${steps.filter((s) => s.status === 'skipped').length} skipped)`);
  } catch (err) {
    if (isCancellation(err)) {
      // Record the abort even though this workflow is being cancelled, then end as cancelled.
      await CancellationScope.nonCancellable(async () => {
        progress.state = 'aborted';
        upsertSearchAttributes([
          { key: SEARCH_ATTRIBUTES.DrydockPhase, value: 'done' },
          { key: SEARCH_ATTRIBUTES.DrydockResult, value: 'aborted' },
          { key: SEARCH_ATTRIBUTES.DrydockFailureCause, value: `${progress.step ?? 'start'}: aborted` },
        ]);
        setCurrentDetails(`**aborted** during ${progress.step ?? 'start'}`);
      });
    }
    throw err;
  }
}
