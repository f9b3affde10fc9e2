/**
 * Heartbeat details of the power actions: `{ action, step, sent, ... }`. A retried activity gets
 * the last details of the previous attempt as ActionContext.resumeFrom; the step says how far
 * that attempt got and `sent` records the last command the BMC accepted and when, so the retry
 * continues instead of starting over. A power action takes effect once: a command the BMC
 * accepted is never sent again; a state that changed after it was accepted (the bootstrapper
 * powers nodes off around enlistment and commissioning) is someone else's doing and is left.
 */
export const CYCLE_STEPS = ['off-requested', 'off-reached', 'on-requested', 'reset-requested'] as const;
export type CycleStep = (typeof CYCLE_STEPS)[number];

/** A command the BMC accepted: what (ResetType or chassis power action) and when (epoch ms). */
export interface SentCommand {
  command: string;
  at: number;
}

/** The step a previous attempt of `action` reached, or undefined (fresh start, or details of
 * another action, or details this version does not understand). */
export function resumeStep(resumeFrom: unknown, action: string): CycleStep | undefined {
  if (resumeFrom === null || typeof resumeFrom !== 'object') return undefined;
  const details = resumeFrom as { action?: unknown; step?: unknown };
  if (details.action !== action) return undefined;
  return (CYCLE_STEPS as readonly unknown[]).includes(details.step) ? (details.step as CycleStep) : undefined;
}

/** The previous attempt's record: its step, the last command the BMC accepted (when the details
 * carry one) and whether it read the wanted state after that command. */
export function resumeRecord(resumeFrom: unknown, action: string): { step: CycleStep; sent?: SentCommand; lastPower?: string } | undefined {
  const step = resumeStep(resumeFrom, action);
  if (!step) return undefined;
  const details = resumeFrom as { sent?: unknown; lastPower?: unknown };
  const sent = details.sent as Partial<SentCommand> | undefined;
  const valid = sent && typeof sent.command === 'string' && typeof sent.at === 'number' ? { command: sent.command, at: sent.at } : undefined;
  return { step, ...(valid ? { sent: valid } : {}), ...(typeof details.lastPower === 'string' ? { lastPower: details.lastPower } : {}) };
}

/** "41 s ago" for a command sent at `at`. */
export function ago(at: number, now = Date.now()): string {
  return `${Math.max(0, Math.round((now - at) / 1000))} s ago`;
}
