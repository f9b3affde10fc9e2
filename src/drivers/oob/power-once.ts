import type { ActionContext, ActionOutcome } from '../context';
import { DriverError } from '../errors';
import { type PowerReading, waitForPower, waitForPowerUntil } from './power-wait';
import { resumeRecord, type SentCommand, sendOnce, sentPhrase } from './resume';

/** What ensure-on and ensure-off need from a driver (Redfish or IPMI). */
export interface EnsurePowerPort {
  node: string;
  powerTimeoutMs: number;
  pollIntervalMs: number;
  ctx: ActionContext;
  /** The reading the driver already has (Redfish reads the System to find it), else read(). */
  first?: PowerReading;
  read(): Promise<PowerReading>;
  /** The BMC reports the change under way (Redfish PoweringOn/PoweringOff): only waited for. */
  landing?(reading: PowerReading): boolean;
  /** Sends the command and returns its name as recorded (a ResetType, or on/off). */
  send(): Promise<string>;
  /** How a command reads in a message: "On", "chassis power on". */
  label(command: string): string;
  /** Driver-specific outcome details for a sent command (Redfish: resetType). */
  details?(command: string | null): Record<string, unknown>;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

/**
 * Ensure on / ensure off that takes effect once, as the power cycle does (power-cycle.ts): the
 * command the BMC accepted is recorded with its time in the heartbeat details (`sent`), and a
 * retried attempt decides from that record and the time since, never sending it again. A node
 * that reached the wanted state and changed since is someone else's doing (MAAS powers nodes
 * off and on around enlistment and commissioning) and is left as it is; a command that never
 * took effect within power_timeout_s fails the step (not retried) instead of being sent again.
 */
export async function ensurePower(port: EnsurePowerPort, want: 'on' | 'off'): Promise<ActionOutcome> {
  const { ctx } = port;
  const action = want === 'on' ? 'powerOnNode' : 'powerOffNode';
  const step = want === 'on' ? 'on-requested' : 'off-requested';
  const extra = (command: string | null) => port.details?.(command) ?? {};
  const record = resumeRecord(ctx.resumeFrom, action);
  const reading = port.first ?? (await port.read());
  if (record?.step === step) return resume(port, want, record, reading, extra);

  if (reading.power === want) return { changed: false, message: `power ${want} (no change: already ${want})`, details: { powerState: reading.raw } };
  let sent: SentCommand | undefined;
  if (!port.landing?.(reading)) {
    sent = await sendOnce(ctx, { action, step }, want, { action, step: 'not-started' }, () => port.send());
  }
  const waited = await waitForPower(() => port.read(), want, {
    node: port.node,
    timeoutMs: port.powerTimeoutMs,
    intervalMs: port.pollIntervalMs,
    ctx,
    progress: { action, ...(sent ? { step, sent } : {}) },
  });
  const what = sent ? port.label(sent.command) : `already powering ${want}`;
  if (waited.undone) {
    return {
      changed: true,
      message: `powered ${want} (${what}); the node read ${want}, then ${waited.last} again within ${seconds(waited.waitedMs)} s: someone else (the bootstrapper) has changed it since, so drydock leaves it (a power action takes effect once)`,
      details: { sent: sent?.command ?? null, undoneAfterMs: waited.waitedMs, leftAsFound: true, ...extra(sent?.command ?? null) },
    };
  }
  return { changed: true, message: `powered ${want} (${what}; ${want} after ${seconds(waited.waitedMs)} s)`, details: { sent: sent?.command ?? null, waitedMs: waited.waitedMs, ...extra(sent?.command ?? null) } };
}

/** The command was accepted by an earlier attempt: confirm it landed, leave a node someone else
 * changed since, or fail when it never took effect. Nothing is sent. */
async function resume(
  port: EnsurePowerPort,
  want: 'on' | 'off',
  record: NonNullable<ReturnType<typeof resumeRecord>>,
  reading: PowerReading,
  extra: (command: string | null) => Record<string, unknown>,
): Promise<ActionOutcome> {
  const { sent } = record;
  const what = sent ? sentPhrase(sent, (c) => port.label(c)) : `the first attempt had requested power ${want}`;
  const base = { sent: null, resumedFrom: record.step, acceptedAt: sent?.at ?? null, ...extra(null) };
  const deadline = (sent?.at ?? Date.now()) + port.powerTimeoutMs;
  const leftAsFound = (now: string): ActionOutcome => ({
    changed: true,
    message: `power ${want} (resumed after the first attempt was interrupted): ${what}, and the node did power ${want}; it now reads ${now}: someone else (the bootstrapper) has changed it since, so drydock leaves it and sends nothing again (a power action takes effect once)`,
    details: { ...base, leftAsFound: true },
  });
  if (reading.power !== want && record.lastPower === want) return leftAsFound(reading.raw);
  const progress = { action: want === 'on' ? 'powerOnNode' : 'powerOffNode', step: record.step, ...(sent ? { sent } : {}) };
  const waited = await waitForPowerUntil(() => port.read(), want, reading.power === want ? 0 : deadline, { node: port.node, intervalMs: port.pollIntervalMs, ctx: port.ctx, progress });
  if (waited.reached) {
    return { changed: true, message: `powered ${want} (resumed after the first attempt was interrupted: ${what}; the node is ${want}; nothing sent again)`, details: { ...base, waitedMs: waited.waitedMs } };
  }
  if (reading.power === want || waited.undone) return leftAsFound(waited.last);
  throw new DriverError(
    'bmc',
    'OperationFailed',
    `node ${port.node}: ${what}, and the node still reads ${waited.last} after power_timeout_s (${port.powerTimeoutMs / 1000} s); drydock does not send it again (a power action takes effect once): check the node and its BMC, then retry the step`,
    { target: port.node, details: { want, lastReading: waited.last, acceptedAt: sent?.at ?? null } },
  );
}
