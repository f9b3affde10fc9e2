import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext } from '../context';
import { DriverError } from '../errors';

/** A power reading: the driver's normalised state plus the BMC's own word for it. */
export interface PowerReading {
  power: 'on' | 'off' | 'unknown';
  raw: string;
}

interface WaitOptions {
  node: string;
  timeoutMs: number;
  intervalMs: number;
  ctx: ActionContext;
  progress: Record<string, unknown>;
}

/** Readings of the other state, in a row, after one of the wanted state, that mean someone else
 * changed it back (not a BMC reporting the old state once more while the change lands). */
export const UNDONE_AFTER_READINGS = 3;

/**
 * Polls until the BMC reports `want` twice in a row (BMCs flap while a change lands: sushy
 * reports Off at once for a restart and On seconds later; some BMCs report the old state once
 * after the new one). Heartbeats every reading with `progress` plus the reading, so a retried
 * activity can resume. A node that read `want` and then the other state UNDONE_AFTER_READINGS
 * times in a row was changed back by someone else (MAAS powers a node off seconds after it
 * PXE-booted for enlistment, which two readings `poll_interval_ms` apart may both miss): that
 * ends the wait with `undone`, for the caller to leave the node as found. Fails with BmcTimeout
 * at the deadline, naming the last reading.
 */
export async function waitForPower(read: () => Promise<PowerReading>, want: 'on' | 'off', options: WaitOptions): Promise<{ readings: number; waitedMs: number; undone: boolean; last: string }> {
  const outcome = await pollPower(read, want, Date.now() + options.timeoutMs, options);
  if (outcome.reached || outcome.undone) return outcome;
  throw new DriverError('bmc', 'Timeout', `node ${options.node}: power did not reach ${want} within ${options.timeoutMs / 1000} s (last reading: ${outcome.last}); raise oob param power_timeout_s if this BMC is slow`, {
    target: options.node,
    details: { want, lastReading: outcome.last, readings: outcome.readings },
  });
}

/** Like waitForPower, but until an absolute deadline (reading at least twice) and without
 * failing: for a resumed attempt, whose command was accepted by an earlier attempt. */
export function waitForPowerUntil(
  read: () => Promise<PowerReading>,
  want: 'on' | 'off',
  deadline: number,
  options: Omit<WaitOptions, 'timeoutMs'>,
): Promise<{ reached: boolean; undone: boolean; readings: number; waitedMs: number; last: string }> {
  // At least two readings: the wanted state must be read twice in a row.
  return pollPower(read, want, Math.max(deadline, Date.now() + 2 * options.intervalMs + 1000), options);
}

async function pollPower(
  read: () => Promise<PowerReading>,
  want: 'on' | 'off',
  deadline: number,
  options: Omit<WaitOptions, 'timeoutMs'>,
): Promise<{ reached: boolean; undone: boolean; readings: number; waitedMs: number; last: string }> {
  const started = Date.now();
  let streak = 0;
  let seen = false;
  let against = 0;
  let readings = 0;
  let last: PowerReading | undefined;
  for (;;) {
    options.ctx.signal.throwIfAborted();
    last = await read();
    readings += 1;
    streak = last.power === want ? streak + 1 : 0;
    seen ||= last.power === want;
    against = seen && last.power !== want && last.power !== 'unknown' ? against + 1 : 0;
    options.ctx.heartbeat({ ...options.progress, waitingFor: want, lastReading: last.raw, lastPower: last.power, ...(seen ? { sawWanted: true } : {}) });
    if (streak >= 2) return { reached: true, undone: false, readings, waitedMs: Date.now() - started, last: last.raw };
    if (against >= UNDONE_AFTER_READINGS) return { reached: false, undone: true, readings, waitedMs: Date.now() - started, last: last.raw };
    if (Date.now() + options.intervalMs > deadline) break;
    await sleep(options.intervalMs, undefined, { signal: options.ctx.signal });
  }
  return { reached: false, undone: false, readings, waitedMs: Date.now() - started, last: last.raw };
}
