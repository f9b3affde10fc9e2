/**
 * A site run's control: the handlers of the progress query and of the operators' signals and
 * updates, acting on the run's state (`SiteRun`, ./site-run).
 */
import { condition, setHandler } from '@temporalio/workflow';
import { abortLaneSignal, abortUpdate, closeSignal, confirmSignal, pauseSignal, progressQuery, resumeSignal, retryFailedUpdate } from '../src/contracts/control';
import { ABORTED_MESSAGE } from './node-run';
import type { SiteRun } from './site-run';

/** Answers the progress query and the operators' signals and updates for this run. */
export function acceptControl(run: SiteRun): void {
  setHandler(progressQuery, (options) => run.progress(options));
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
    const child = run.running.get(node)?.handle ?? run.laneOf.get(node)?.handle;
    if (child) await child.signal(confirmSignal, { node });
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
  const lanes = run.unfinishedLanes();
  run.nodesScope.cancel();
  run.bump();
  if (lanes.length === 0) return names;
  // Lanes end their own node work and return their results: the nodes that were running are
  // those whose results say so.
  await Promise.all(lanes.flatMap((l) => (l.handle ? [l.handle.signal(abortLaneSignal)] : [])));
  await condition(() => lanes.every((l) => l.done));
  const laneNodes = new Set(lanes.flatMap((l) => l.nodes));
  return [...names, ...run.state.results.filter((r) => laneNodes.has(r.node) && r.outcome === 'failure' && r.message === ABORTED_MESSAGE).map((r) => r.node)];
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
