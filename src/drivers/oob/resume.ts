import { type ActionContext, checkpoint } from '../context';
import { isDriverError } from '../errors';

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
  /** Written ahead of the command (checkpoint, then send): an attempt that stopped before the
   * BMC's answer leaves this, and the command may or may not have reached the BMC. A retry
   * treats it as sent, so it never sends twice. */
  pending?: boolean;
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
  const details = resumeFrom as { sent?: unknown; lastPower?: unknown; sawWanted?: unknown; waitingFor?: unknown };
  // A node that read the wanted state and was changed back since (power-wait.ts): it did get there.
  const saw = details.sawWanted === true && typeof details.waitingFor === 'string' ? details.waitingFor : undefined;
  const valid = parseSent(details.sent);
  return { step, ...(valid ? { sent: valid } : {}), ...(saw ? { lastPower: saw } : typeof details.lastPower === 'string' ? { lastPower: details.lastPower } : {}) };
}

/** A `sent` record from heartbeat details, or undefined when it is not one. */
export function parseSent(value: unknown): SentCommand | undefined {
  const sent = value as Partial<SentCommand> | undefined;
  if (typeof sent?.command !== 'string' || typeof sent.at !== 'number') return undefined;
  return { command: sent.command, at: sent.at, ...(sent.pending === true ? { pending: true } : {}) };
}

/** "41 s ago" for a command sent at `at`. */
export function ago(at: number, now = Date.now()): string {
  return `${Math.max(0, Math.round((now - at) / 1000))} s ago`;
}

/** "On was accepted 41 s ago by the first attempt", or for a record written ahead of a command
 * whose answer never came: "the on command was about to be sent 41 s ago ... (it may have
 * reached the BMC)". */
export function sentPhrase(sent: SentCommand, label: (command: string) => string, now = Date.now()): string {
  return sent.pending
    ? `the ${sent.command} command was about to be sent ${ago(sent.at, now)} when the first attempt was interrupted (it may have reached the BMC)`
    : `${label(sent.command)} was accepted ${ago(sent.at, now)} by the first attempt`;
}

/** A command that failed this way was not carried out: the BMC refused it (bad credentials,
 * invalid, unsupported, not found; an HTTP 4xx, or 503 "busy": RFC 9110 has the server not act
 * on it; IPMI's "node busy"), or the connection was refused. Its write-ahead record can be taken
 * back. Anything else (a timeout, a reset connection, an IPMI request without an answer, an HTTP
 * 500/502/504, a cancellation) may have reached the BMC and been carried out. */
export function provenNotSent(err: unknown): boolean {
  if (!isDriverError(err)) return false;
  if (err.kind === 'AuthFailed' || err.kind === 'InvalidRequest' || err.kind === 'Unsupported' || err.kind === 'NotFound') return true;
  const status = (err.details as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number') return (status >= 400 && status < 500) || status === 503;
  if (err.kind === 'Busy') return true;
  return err.kind === 'Unreachable' && (err.details as { code?: unknown } | undefined)?.code === 'ECONNREFUSED';
}

/**
 * Sends a command that must take effect once: its record (`step`, `sent` pending) is written
 * ahead and confirmed at the server (checkpoint) before the command goes out, then replaced by
 * the command the BMC accepted. When the command provably did not reach the BMC, `otherwise`
 * (the record before) is written back, so the retry sends it.
 */
export async function sendOnce(
  ctx: ActionContext,
  record: { action: string; step: string } & Record<string, unknown>,
  what: string,
  otherwise: Record<string, unknown>,
  send: () => Promise<string>,
): Promise<SentCommand> {
  await checkpoint(ctx, { ...record, sent: { command: what, at: Date.now(), pending: true } });
  let command: string;
  try {
    command = await send();
  } catch (err) {
    if (provenNotSent(err)) await checkpoint(ctx, otherwise).catch(() => undefined);
    throw err;
  }
  const sent = { command, at: Date.now() };
  ctx.heartbeat({ ...record, sent });
  return sent;
}
