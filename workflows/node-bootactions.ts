/**
 * A node workflow's boot actions: the reports the API signals (POST /api/v1.0/bootactions/{id})
 * and, after DeployNode, the wait for every signalling action it prepared.
 */
import { condition, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import { type BootActionProgress, type BootActionReportEvent, bootActionReportSignal, type BootActionRef, DEFAULT_BOOT_ACTION_TIMEOUT_MS, lastReportMessage } from '../src/contracts/bootactions';
import type { NodeProgress, NodeWorkflowInput } from '../src/contracts/deployment';

const applyReport = (a: BootActionProgress, r: BootActionReportEvent): void => {
  a.reports += 1;
  a.lastMessage = lastReportMessage(r.details) ?? a.lastMessage;
  a.lastReportAt = r.at;
  if (r.status && a.status === 'pending') a.status = r.status;
};

/**
 * Accepts this node's boot-action reports into `progress.bootActions`. They may arrive before
 * DeployNode returns the prepared actions, so all are kept and matched by id. Returns the wait
 * for the prepared actions.
 */
export function acceptBootActionReports(input: NodeWorkflowInput, progress: NodeProgress): (refs: BootActionRef[]) => Promise<string | undefined> {
  const { node, action } = input;
  const reports: BootActionReportEvent[] = [];
  setHandler(bootActionReportSignal, (r) => {
    if (r.node !== node.name) return;
    reports.push(r);
    const a = progress.bootActions?.find((x) => x.actionId === r.actionId);
    if (a) applyReport(a, r);
    if (a && waitingForBootActions) showBootActions();
  });
  let waitingForBootActions = false;
  /** The web UI's current details while waiting: one line per boot action. */
  const showBootActions = (): void => {
    const lines = (progress.bootActions ?? []).filter((b) => b.signaling).map((b) => `- ${b.name}: **${b.status}** (${b.reports} report${b.reports === 1 ? '' : 's'})${b.lastMessage ? ` — ${b.lastMessage}` : ''}`);
    setCurrentDetails(`${action}: waiting for boot actions to report\n\n${lines.join('\n')}`);
  };
  /** Waits for every signalling action; a Failure or a timeout names the action and its last message. */
  return async (refs: BootActionRef[]): Promise<string | undefined> => {
    progress.bootActions = refs.map((ref) => ({ actionId: ref.actionId, name: ref.name, signaling: ref.signaling, status: 'pending', reports: 0 }));
    for (const r of reports) {
      const a = progress.bootActions.find((x) => x.actionId === r.actionId);
      if (a) applyReport(a, r);
    }
    const waited = progress.bootActions.filter((a) => a.signaling);
    const timeoutMs = input.bootActionTimeout !== undefined ? msToNumber(input.bootActionTimeout) : DEFAULT_BOOT_ACTION_TIMEOUT_MS;
    const failed = (): BootActionProgress | undefined => waited.find((a) => a.status === 'failure');
    waitingForBootActions = true;
    showBootActions();
    await condition(() => failed() !== undefined || waited.every((a) => a.status === 'success'), timeoutMs);
    waitingForBootActions = false;
    const failure = failed();
    if (failure) return `boot action ${failure.name} reported Failure${failure.lastMessage ? `: ${failure.lastMessage}` : ''}`;
    const late = waited.filter((a) => a.status === 'pending');
    for (const a of late) a.status = 'timed-out';
    if (late[0]) return `boot action ${late[0].name} did not report a final status within ${Math.round(timeoutMs / 1000)} s${late[0].lastMessage ? ` (last message: ${late[0].lastMessage})` : ''}${late.length > 1 ? `; also ${late.slice(1).map((a) => a.name).join(', ')}` : ''}`;
    return undefined;
  };
}
