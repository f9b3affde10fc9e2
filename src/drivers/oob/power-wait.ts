import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext } from '../context';
import { DriverError } from '../errors';

/** A power reading: the driver's normalised state plus the BMC's own word for it. */
export interface PowerReading {
  power: 'on' | 'off' | 'unknown';
  raw: string;
}

/**
 * Polls until the BMC reports `want` twice in a row (BMCs flap while a change lands: sushy
 * reports Off at once for a restart and On seconds later; some BMCs report the old state once
 * after the new one). Heartbeats every reading with `progress` plus the reading, so a retried
 * activity can resume. Fails with BmcTimeout at the deadline, naming the last reading.
 */
export async function waitForPower(
  read: () => Promise<PowerReading>,
  want: 'on' | 'off',
  options: { node: string; timeoutMs: number; intervalMs: number; ctx: ActionContext; progress: Record<string, unknown> },
): Promise<{ readings: number; waitedMs: number }> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let streak = 0;
  let readings = 0;
  let last: PowerReading | undefined;
  for (;;) {
    options.ctx.signal.throwIfAborted();
    last = await read();
    readings += 1;
    streak = last.power === want ? streak + 1 : 0;
    options.ctx.heartbeat({ ...options.progress, waitingFor: want, lastReading: last.raw });
    if (streak >= 2) return { readings, waitedMs: Date.now() - started };
    if (Date.now() + options.intervalMs > deadline) break;
    await sleep(options.intervalMs, undefined, { signal: options.ctx.signal });
  }
  throw new DriverError('bmc', 'Timeout', `node ${options.node}: power did not reach ${want} within ${options.timeoutMs / 1000} s (last reading: ${last.raw}); raise oob param power_timeout_s if this BMC is slow`, {
    target: options.node,
    details: { want, lastReading: last.raw, readings },
  });
}
