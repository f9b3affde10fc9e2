/**
 * Heartbeat details of the power actions: `{ action, step, ... }`. A retried activity gets the
 * last details of the previous attempt as ActionContext.resumeFrom; the step says how far that
 * attempt got, so the retry continues instead of starting over (no second power cycle).
 */
export const CYCLE_STEPS = ['off-requested', 'off-reached', 'on-requested', 'reset-requested'] as const;
export type CycleStep = (typeof CYCLE_STEPS)[number];

/** The step a previous attempt of `action` reached, or undefined (fresh start, or details of
 * another action, or details this version does not understand). */
export function resumeStep(resumeFrom: unknown, action: string): CycleStep | undefined {
  if (resumeFrom === null || typeof resumeFrom !== 'object') return undefined;
  const details = resumeFrom as { action?: unknown; step?: unknown };
  if (details.action !== action) return undefined;
  return (CYCLE_STEPS as readonly unknown[]).includes(details.step) ? (details.step as CycleStep) : undefined;
}
